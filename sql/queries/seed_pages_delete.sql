-- Before a batch of imported pages is written: every row of {table} for those pages (topic
-- and date), so a page that now lists fewer articles leaves none behind.
DELETE FROM {table} t
USING (SELECT DISTINCT topic, digest_date FROM _seed_digests) k
WHERE t.topic = k.topic AND t.digest_date = k.digest_date
