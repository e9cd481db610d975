-- Attach a shard file as "shard" (to seed it). {path}: the shard's path, a quoted literal
-- (ATTACH takes no parameter).
ATTACH {path} AS shard
