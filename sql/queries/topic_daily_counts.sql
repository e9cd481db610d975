-- Articles per logical day by outlet country and side for one topic, duplicates excluded:
-- the data of the topic chart. $1 topic, $2 first day, $3 last day.
SELECT p.logical_date AS day, p.country, p.perspective AS side, count(*) AS articles
FROM article_perspectives p
WHERE p.topic = $1 AND p.logical_date BETWEEN $2 AND $3
  AND NOT EXISTS (
      SELECT 1 FROM duplicates d
      WHERE d.topic = p.topic AND d.logical_date = p.logical_date AND d.article_id = p.article_id)
GROUP BY ALL
ORDER BY day, side, country
