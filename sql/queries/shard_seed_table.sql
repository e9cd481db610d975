-- Copy into the shard what its topic-days read of a table ({table}): the rows of its topics
-- between $first (the scope's first day less the days a day looks back) and $last.
INSERT INTO shard.{table} BY NAME
SELECT * FROM {table}
WHERE topic IN (SELECT unnest($topics)) AND logical_date BETWEEN $first AND $last
