-- The record of applied analyst views (sql/views), re-applied when their file changes.
CREATE TABLE IF NOT EXISTS schema_views (
    name VARCHAR PRIMARY KEY,
    checksum VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
)
