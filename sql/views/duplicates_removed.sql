-- duplicates_removed: how many feed items dedupe dropped as copies, per topic, day and method.
--
-- Answers: "how much did dedupe remove, and by which rule (guid, link, exact title, ...)?"
--
-- A digest reads max_age_days of news, so the next days' digests fetch an item again (and drop
-- a copy again): each item counts once, on the first digest day that fetched it (or dropped
-- it). So sums over days are distinct items.
CREATE OR REPLACE VIEW duplicates_removed AS
WITH first_fetched AS (
    SELECT topic, article_id, min(logical_date) AS logical_date
    FROM articles
    GROUP BY topic, article_id
),
fetched AS (
    SELECT topic, logical_date, count(*) AS fetched
    FROM first_fetched
    GROUP BY ALL
),
copies AS (
    SELECT topic, logical_date, article_id, kept_article_id, method, score
    FROM duplicates
    QUALIFY row_number() OVER (PARTITION BY topic, article_id ORDER BY logical_date) = 1
)
SELECT
    c.topic,
    c.logical_date,
    c.method,
    count(*) AS removed,
    count(DISTINCT c.kept_article_id) AS kept_articles,
    any_value(f.fetched) AS fetched,
    round(count(*) / any_value(f.fetched), 4) AS removed_share,
    round(avg(c.score), 4) AS avg_score,
    min(c.score) AS min_score
FROM copies c
LEFT JOIN fetched f USING (topic, logical_date)
GROUP BY c.topic, c.logical_date, c.method;

COMMENT ON VIEW duplicates_removed IS 'Feed items dedupe dropped as copies, per topic, day and detection method; each item counted once, on the first digest day that dropped it, so sums over days are distinct items.';
COMMENT ON COLUMN duplicates_removed.topic IS 'topic id';
COMMENT ON COLUMN duplicates_removed.logical_date IS 'the first digest day that dropped these copies';
COMMENT ON COLUMN duplicates_removed.method IS 'how the copy was detected: guid, link, title_exact, ... as written by dedupe';
COMMENT ON COLUMN duplicates_removed.removed IS 'feed items dropped as copies by this method';
COMMENT ON COLUMN duplicates_removed.kept_articles IS 'distinct items they were copies of';
COMMENT ON COLUMN duplicates_removed.fetched IS 'feed items first fetched that day (same on every method row)';
COMMENT ON COLUMN duplicates_removed.removed_share IS 'removed / fetched';
COMMENT ON COLUMN duplicates_removed.avg_score IS 'mean similarity of the matches (1.0 for exact rules)';
COMMENT ON COLUMN duplicates_removed.min_score IS 'lowest similarity of the matches';
