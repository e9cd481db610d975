-- The answers a 304 would reuse, and the validators that name them (the shard's topics).
INSERT INTO shard.feed_validators BY NAME
SELECT * FROM feed_validators WHERE topic IN (SELECT unnest($topics))
