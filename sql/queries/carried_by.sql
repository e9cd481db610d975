-- For each selected article, the outlets whose copies of it were dropped as duplicates.
SELECT d.kept_article_id AS article_id,
       list(DISTINCT a.source_name ORDER BY a.source_name) AS outlets
FROM duplicates d
JOIN selections s ON s.topic = d.topic AND s.logical_date = d.logical_date
                 AND s.article_id = d.kept_article_id
JOIN articles a ON a.topic = d.topic AND a.logical_date = d.logical_date
               AND a.article_id = d.article_id
WHERE d.topic = $1 AND d.logical_date = $2 AND a.source_name IS NOT NULL
GROUP BY d.kept_article_id
