-- The tables `parallax export` writes: every user table of the main schema.
SELECT table_name FROM duckdb_tables()
WHERE schema_name = 'main' AND NOT internal AND NOT temporary
ORDER BY table_name
