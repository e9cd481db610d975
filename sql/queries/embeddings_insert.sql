-- New vectors from the frame _new (text_key, model, vector, embedded_at); a text already
-- stored for the model (another process got there first) is left as it is.
INSERT INTO title_embeddings BY NAME
SELECT n.text_key, n.model, CAST(n.vector AS FLOAT[384]) AS vector, n.embedded_at
FROM _new n
WHERE NOT EXISTS (
    SELECT 1 FROM title_embeddings e WHERE e.text_key = n.text_key AND e.model = n.model
)
