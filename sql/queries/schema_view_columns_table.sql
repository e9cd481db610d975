-- What each column of each analyst view holds: the COMMENT ON COLUMN lines of its file
-- (sql/views), kept as rows too because a DuckLake keeps no comments on a view's columns.
CREATE TABLE IF NOT EXISTS schema_view_columns (
    view_name VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    comment VARCHAR NOT NULL,
    PRIMARY KEY (view_name, column_name)
);
COMMENT ON TABLE schema_view_columns IS 'What each column of each analyst view holds (the COMMENT ON COLUMN lines of sql/views), on a DuckDB file and on a lake alike'
