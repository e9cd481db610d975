-- Stories of a topic-day that touch the page: per story, the selected article numbers, the
-- sides whose outlets covered it with an on-topic article in the window, the sides with one
-- that may report it (a weaker match: no blindspot for them), and its article count.
-- $1 topic, $2 day.
SELECT c.story_id,
       list(s.number ORDER BY s.number) AS numbers,
       any_value(d.sides) AS sides,
       any_value(d.loose_sides) AS loose_sides,
       any_value(d.articles) AS articles
FROM story_clusters c
JOIN selections s USING (topic, logical_date, article_id)
JOIN day_stories d
    ON d.topic = c.topic AND d.logical_date = c.logical_date AND d.story_id = c.story_id
WHERE c.topic = $1 AND c.logical_date = $2
GROUP BY c.story_id
ORDER BY min(s.number)
