-- The stored vectors of the titles a shard's topic-days read (its seeded articles), so its
-- worker does not embed them again.
INSERT INTO shard.title_embeddings BY NAME
SELECT e.* FROM title_embeddings e
WHERE e.text_key IN (SELECT sha256(title) FROM shard.articles WHERE title IS NOT NULL)
