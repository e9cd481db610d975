-- Attach a shard file as "shard", read-only (to merge it). {path}: the shard's path, a quoted
-- literal (ATTACH takes no parameter).
ATTACH {path} AS shard (READ_ONLY)
