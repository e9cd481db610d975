-- The one row of analyst_copy: $1 published at, $2 source database, $3 latest finished run,
-- $4 seconds the copy took.
INSERT INTO analyst_copy VALUES ($1, $2, $3, $4)
