-- A scratch file's stored vectors of the titles of the topic-days of _scope (a data frame of
-- topic, logical_date): the merge adds those the lake lacks.
SELECT * FROM title_embeddings
WHERE text_key IN (SELECT sha256(title) FROM articles
                   WHERE (topic, logical_date) IN (SELECT (topic, logical_date) FROM _scope)
                     AND title IS NOT NULL)
