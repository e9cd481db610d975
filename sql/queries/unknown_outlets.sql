-- Outlets the classifier could not place (no country), most frequent first: what to add to
-- config/outlets.csv next. $1 topic or NULL for all, $2 first logical date or NULL.
SELECT coalesce(a.source_name, '') AS source_name,
       coalesce(a.source_domain, '') AS source_domain,
       any_value(p.outlet_kind) AS kind,
       count(*) AS articles,
       count(DISTINCT a.logical_date) AS days,
       string_agg(DISTINCT a.topic, ',' ORDER BY a.topic) AS topics,
       max(a.logical_date) AS last_seen
FROM article_perspectives p
JOIN articles a USING (topic, logical_date, article_id)
WHERE p.country IS NULL AND p.outlet_kind = 'unknown'
  AND ($1 IS NULL OR a.topic = $1)
  AND ($2 IS NULL OR a.logical_date >= $2)
GROUP BY 1, 2
ORDER BY articles DESC, source_name, source_domain
LIMIT $3
