-- A shard's day rows of {table}, for the (topic, day) pairs of its scope.
INSERT INTO {table} BY NAME
SELECT t.* FROM shard.{table} t JOIN shard.shard_scope s USING (topic, logical_date)
