-- The views `parallax export` writes, with their description (COMMENT ON VIEW).
SELECT view_name, comment FROM duckdb_views()
WHERE schema_name = 'main' AND NOT internal AND NOT temporary
ORDER BY view_name
