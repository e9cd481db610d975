-- The selected articles of a topic-day in page order, with what the page says about each.
SELECT s.number, s.side, coalesce(s.continuing, false) AS continuing, a.article_id, a.title,
       a.link, a.source_name, a.source_domain, a.published_at, a.language, a.region,
       a.description, p.country, p.outlet_name, p.ownership, t.translation
FROM selections s
JOIN articles a USING (topic, logical_date, article_id)
LEFT JOIN article_perspectives p USING (topic, logical_date, article_id)
LEFT JOIN headline_translations t USING (topic, logical_date, article_id)
WHERE s.topic = $1 AND s.logical_date = $2
ORDER BY s.number
