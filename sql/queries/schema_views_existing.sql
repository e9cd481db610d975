-- The views the database holds (ours and any an analyst created).
SELECT view_name FROM duckdb_views() WHERE NOT internal
