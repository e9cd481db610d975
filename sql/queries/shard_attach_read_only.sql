-- Attach a shard file as "shard", read-only (to merge it back). $1 the shard's path.
ATTACH $1 AS shard (READ_ONLY)
