-- The topic chart's data: distinct articles per UTC publication day, by outlet country and
-- side. An article fetched on several run days (the window is 5 days long) counts once, with
-- its latest classification; copies dropped as duplicates do not count.
-- $1 topic, $2 first and $3 last publication day.
WITH seen AS (
    SELECT CAST(a.published_at AS DATE) AS day, p.country, p.perspective AS side,
           row_number() OVER (PARTITION BY coalesce(a.link, a.guid, a.article_id)
                              ORDER BY a.logical_date DESC) AS latest
    FROM articles a
    JOIN article_perspectives p USING (topic, logical_date, article_id)
    WHERE a.topic = $1 AND CAST(a.published_at AS DATE) BETWEEN $2 AND $3
      AND NOT EXISTS (
          SELECT 1 FROM duplicates d
          WHERE d.topic = a.topic AND d.logical_date = a.logical_date
            AND d.article_id = a.article_id)
)
SELECT day, country, side, count(*) AS articles
FROM seen
WHERE latest = 1
GROUP BY ALL
ORDER BY day, side, country
