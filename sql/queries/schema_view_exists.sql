-- 1 when the view $1 exists, else 0.
SELECT count(*) FROM duckdb_views() WHERE view_name = $1
