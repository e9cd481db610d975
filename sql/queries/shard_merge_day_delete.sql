-- Before a shard's day rows of {table} go back: the database's rows of the shard's scope.
DELETE FROM {table} USING shard.shard_scope s
WHERE {table}.topic = s.topic AND {table}.logical_date = s.logical_date
