-- Each column of the view $1 with its description (COMMENT ON COLUMN), in column order.
SELECT column_name, comment FROM duckdb_columns()
WHERE schema_name = 'main' AND table_name = $1
ORDER BY column_index
