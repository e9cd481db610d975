-- The articles of a topic's stories on the days $2..$3 (the days before the one being grouped),
-- each feed item once (its latest day), with its story and the story's first day: what a day's
-- stories are matched against. $1 topic.
SELECT c.logical_date, c.article_id, c.story_id, a.title, a.language, a.published_at,
       coalesce(a.link, a.article_id) AS item, s.first_seen
FROM story_clusters c
JOIN articles a USING (topic, logical_date, article_id)
JOIN day_stories s
    ON s.topic = c.topic AND s.logical_date = c.logical_date AND s.story_id = c.story_id
WHERE c.topic = $1 AND c.logical_date BETWEEN $2 AND $3
QUALIFY row_number() OVER (PARTITION BY coalesce(a.link, a.article_id)
                           ORDER BY c.logical_date DESC) = 1
ORDER BY c.logical_date, c.article_id
