-- An empty in-memory database named "shard", filled from a scratch file's rows to merge them.
ATTACH ':memory:' AS shard
