-- Vectors a shard's worker computed that the database does not have yet.
INSERT INTO title_embeddings BY NAME
SELECT s.* FROM shard.title_embeddings s
WHERE NOT EXISTS (
    SELECT 1 FROM title_embeddings e WHERE e.text_key = s.text_key AND e.model = s.model
)
