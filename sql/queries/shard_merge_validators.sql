-- Validators the shard's new runs saved replace the database's for the same URL.
CREATE OR REPLACE TEMP TABLE _shard_validators AS
SELECT * FROM shard.feed_validators
WHERE fetch_id IN (SELECT fetch_id FROM shard.raw_fetches
                   WHERE run_id IN (SELECT run_id FROM _shard_runs));
DELETE FROM feed_validators WHERE url IN (SELECT url FROM _shard_validators);
INSERT INTO feed_validators BY NAME SELECT * FROM _shard_validators;
DROP TABLE _shard_validators;
