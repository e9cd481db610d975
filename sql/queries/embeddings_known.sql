-- Stored vectors of the texts in the frame _wanted (text_key), for one model ($1).
SELECT e.text_key, e.vector
FROM title_embeddings e
JOIN _wanted w USING (text_key)
WHERE e.model = $1
