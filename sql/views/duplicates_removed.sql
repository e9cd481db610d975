-- duplicates_removed: how many articles dedupe dropped per topic, day and method.
--
-- Answers: "how much did dedupe remove, and by which rule (guid, link, exact title, ...)?"
--
-- Columns
--   topic, logical_date   the topic-day
--   method                how the copy was detected (guid | link | title_exact | ... as written by dedupe)
--   removed               articles dropped as copies by this method
--   kept_articles         distinct articles they were copies of
--   fetched               all articles fetched that topic-day (same on every method row)
--   removed_share         removed / fetched
--   avg_score, min_score  similarity score of the matches (1.0 for exact rules)
CREATE OR REPLACE VIEW duplicates_removed AS
WITH fetched AS (
    SELECT topic, logical_date, count(*) AS fetched
    FROM articles
    GROUP BY ALL
)
SELECT
    d.topic,
    d.logical_date,
    d.method,
    count(*) AS removed,
    count(DISTINCT d.kept_article_id) AS kept_articles,
    any_value(f.fetched) AS fetched,
    round(count(*) / any_value(f.fetched), 4) AS removed_share,
    round(avg(d.score), 4) AS avg_score,
    min(d.score) AS min_score
FROM duplicates d
LEFT JOIN fetched f USING (topic, logical_date)
GROUP BY d.topic, d.logical_date, d.method;
