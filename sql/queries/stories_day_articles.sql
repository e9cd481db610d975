-- The articles of a topic-day the stories stage groups (it keeps the usable ones: dated in the
-- window, with a title), with their side, relevance decision, language and link. $1 topic,
-- $2 day.
SELECT a.article_id, a.title, a.link, a.language, a.published_at, a.source_name,
       p.perspective AS side, coalesce(r.on_topic, false) AS on_topic
FROM articles a
LEFT JOIN article_perspectives p USING (topic, logical_date, article_id)
LEFT JOIN article_relevance r USING (topic, logical_date, article_id)
WHERE a.topic = $1 AND a.logical_date = $2
ORDER BY a.article_id
