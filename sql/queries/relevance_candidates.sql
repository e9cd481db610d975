-- The articles of a topic-day the relevance stage judges, with their outlet's side.
-- $1 topic, $2 day.
SELECT a.article_id, a.title, a.source_name, a.published_at, p.perspective AS side
FROM articles a
JOIN article_perspectives p USING (topic, logical_date, article_id)
WHERE a.topic = $1 AND a.logical_date = $2
ORDER BY a.article_id
