-- One (topic, day) of a shard's scope. $1 topic, $2 day.
INSERT INTO shard_scope VALUES ($1, $2)
