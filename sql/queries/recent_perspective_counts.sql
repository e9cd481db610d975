-- Recent, non-duplicate articles of a topic-day per perspective (a side, 'international' or
-- 'unknown'): the denominator of the unknown share in a run's report.
SELECT p.perspective, count(*) AS articles
FROM article_perspectives p
JOIN articles a USING (topic, logical_date, article_id)
WHERE p.topic = $1 AND p.logical_date = $2
  AND CAST(timezone('UTC', a.published_at) AS DATE) BETWEEN $3 AND $4
  AND NOT EXISTS (
      SELECT 1 FROM duplicates d
      WHERE d.topic = a.topic AND d.logical_date = a.logical_date AND d.article_id = a.article_id)
GROUP BY p.perspective
