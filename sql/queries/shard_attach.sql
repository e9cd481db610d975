-- Attach a shard file as "shard" (to seed it). $1 the shard's path.
ATTACH $1 AS shard
