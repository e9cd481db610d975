-- One table of the in-memory "shard", from the data frame _frame.
CREATE TABLE shard.{table} AS SELECT * FROM _frame
