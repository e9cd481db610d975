-- Stories of a topic-day that touch the page: per cluster, the selected article numbers and
-- every side whose press covered it with an on-topic article (of all the day's clustered
-- articles, listed or not). $1 topic, $2 day.
SELECT c.cluster_id,
       list(s.number ORDER BY s.number) FILTER (WHERE s.number IS NOT NULL) AS numbers,
       list(DISTINCT c.side ORDER BY c.side)
           FILTER (WHERE c.side IS NOT NULL AND coalesce(r.on_topic, false)) AS sides,
       count(*) AS articles
FROM story_clusters c
LEFT JOIN selections s USING (topic, logical_date, article_id)
LEFT JOIN article_relevance r USING (topic, logical_date, article_id)
WHERE c.topic = $1 AND c.logical_date = $2
GROUP BY c.cluster_id
HAVING count(s.number) > 0
ORDER BY min(s.number)
