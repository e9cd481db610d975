-- Recent, non-duplicate articles of a topic-day per perspective (each side, 'international'
-- for a known country on no side, 'unknown' for no country), for the page's front matter.
-- $1 topic, $2 day, $3 first and $4 last publication date of the window.
SELECT p.perspective, count(*) AS articles
FROM article_perspectives p
JOIN articles a USING (topic, logical_date, article_id)
WHERE p.topic = $1 AND p.logical_date = $2
  AND CAST(timezone('UTC', a.published_at) AS DATE) BETWEEN $3 AND $4
  AND NOT EXISTS (
      SELECT 1 FROM duplicates d
      WHERE d.topic = a.topic AND d.logical_date = a.logical_date AND d.article_id = a.article_id)
GROUP BY p.perspective
