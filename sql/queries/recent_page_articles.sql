-- Articles listed on the topic's pages of the days before a date: $1 topic, $2 first day,
-- $3 last day (inclusive).
SELECT a.link, a.title, a.source_name
FROM page_articles s
JOIN articles a USING (topic, logical_date, article_id)
WHERE s.topic = $1 AND s.logical_date BETWEEN $2 AND $3
