-- The stored bodies the shard's validators name, when not already copied.
INSERT INTO shard.raw_fetches BY NAME
SELECT * FROM raw_fetches r
WHERE fetch_id IN (SELECT fetch_id FROM shard.feed_validators)
  AND fetch_id NOT IN (SELECT fetch_id FROM shard.raw_fetches)
