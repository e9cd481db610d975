-- Write one topic-day of a stage table ({table}, listed {columns}) from the stage's frame,
-- read in place by DuckDB's replacement scan of the Python variable _incoming_rows.
-- $1 topic, $2 logical date, $3 the run writing it.
INSERT INTO {table} (topic, logical_date, run_id, {columns})
SELECT $1, $2, $3, {columns} FROM _incoming_rows
