-- The shard's runs the database does not have yet (a shard merged twice adds nothing).
CREATE OR REPLACE TEMP TABLE _shard_runs AS
SELECT run_id FROM shard.runs WHERE run_id NOT IN (SELECT run_id FROM runs)
