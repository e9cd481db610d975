-- Articles of a topic-day that may be published: not a duplicate, with a side assigned, with
-- their relevance, their story and how many distinct outlets (of any side, copies included)
-- carry that story. $1 topic, $2 day.
WITH members AS (
    SELECT c.story_id, coalesce(p.outlet_name, a.source_name) AS outlet
    FROM story_clusters c
    JOIN articles a USING (topic, logical_date, article_id)
    LEFT JOIN article_perspectives p USING (topic, logical_date, article_id)
    WHERE c.topic = $1 AND c.logical_date = $2
), breadth AS (
    SELECT story_id, count(DISTINCT outlet) AS outlets FROM members GROUP BY story_id
)
SELECT a.article_id, p.perspective AS side, a.published_at, a.feed_position,
       a.link, a.title, a.source_name,
       coalesce(p.outlet_name, a.source_name) AS outlet,
       coalesce(r.on_topic, false) AS on_topic,
       coalesce(r.score, 0.0) AS relevance,
       c.story_id AS story,
       coalesce(b.outlets, 1) AS breadth
FROM articles a
JOIN article_perspectives p USING (topic, logical_date, article_id)
LEFT JOIN article_relevance r USING (topic, logical_date, article_id)
LEFT JOIN story_clusters c USING (topic, logical_date, article_id)
LEFT JOIN breadth b ON b.story_id = c.story_id
WHERE a.topic = $1 AND a.logical_date = $2
  AND NOT EXISTS (
      SELECT 1 FROM duplicates d
      WHERE d.topic = a.topic AND d.logical_date = a.logical_date AND d.article_id = a.article_id)
