-- The rows of {table} that the shard's new runs wrote.
INSERT INTO {table} BY NAME
SELECT * FROM shard.{table} WHERE run_id IN (SELECT run_id FROM _shard_runs)
