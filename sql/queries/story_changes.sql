-- A topic's stories of day $2 and of the day before ($3), side by side: for each, its first
-- number on $2's page (NULL: not on it), its first day, the sides that covered it on each day,
-- its new articles on $2 (NULL: no article on $2), a headline, and whether it was on $3's page.
-- $1 topic.
WITH listed AS (
    SELECT c.logical_date, c.story_id, min(s.number) AS number
    FROM story_clusters c
    JOIN selections s USING (topic, logical_date, article_id)
    WHERE c.topic = $1 AND c.logical_date IN ($2, $3)
    GROUP BY ALL
), today AS (
    SELECT d.story_id, d.first_seen, d.sides, d.new_articles, l.number
    FROM day_stories d
    LEFT JOIN listed l ON l.logical_date = d.logical_date AND l.story_id = d.story_id
    WHERE d.topic = $1 AND d.logical_date = $2
), yesterday AS (
    SELECT d.story_id, d.sides, d.headline, l.number
    FROM day_stories d
    LEFT JOIN listed l ON l.logical_date = d.logical_date AND l.story_id = d.story_id
    WHERE d.topic = $1 AND d.logical_date = $3
)
SELECT t.number, t.first_seen, coalesce(t.sides, []) AS sides_today,
       coalesce(y.sides, []) AS sides_before, t.new_articles, y.headline,
       y.number IS NOT NULL AS was_on_page
FROM today t
FULL JOIN yesterday y USING (story_id)
WHERE t.number IS NOT NULL OR y.number IS NOT NULL
ORDER BY t.number NULLS LAST, y.number, story_id
