-- In a new shard file: the (topic, day) pairs the shard was made to run.
CREATE TABLE shard_scope (topic VARCHAR NOT NULL, logical_date DATE)
