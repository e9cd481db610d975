-- Selected articles of a topic-day per side and country (the run's table artifact).
SELECT s.side, coalesce(p.country, '?') AS country, count(*) AS articles
FROM page_articles s
LEFT JOIN article_perspectives p USING (topic, logical_date, article_id)
WHERE s.topic = $1 AND s.logical_date = $2
GROUP BY ALL
ORDER BY s.side, articles DESC, country
