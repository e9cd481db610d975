DROP TABLE _shard_runs
