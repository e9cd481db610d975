SELECT count(*) FROM _shard_runs
