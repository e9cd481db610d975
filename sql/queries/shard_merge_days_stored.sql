-- Whether the database already holds a run of one of the shard's topic-days (a re-run: its
-- day rows are replaced).
SELECT 1 FROM runs r JOIN shard.shard_scope s USING (topic, logical_date) LIMIT 1
