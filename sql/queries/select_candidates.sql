-- Articles of a topic-day that may be published: not a duplicate, with a side assigned.
SELECT a.article_id, p.perspective AS side, a.published_at, a.feed_position,
       a.link, a.title, a.source_name
FROM articles a
JOIN article_perspectives p USING (topic, logical_date, article_id)
WHERE a.topic = $1 AND a.logical_date = $2
  AND NOT EXISTS (
      SELECT 1 FROM duplicates d
      WHERE d.topic = a.topic AND d.logical_date = a.logical_date AND d.article_id = a.article_id)
