-- A topic-day's relevance in a line: why a configured model did not judge (if it did not).
-- $1 topic, $2 day.
SELECT any_value(fallback) FILTER (WHERE fallback IS NOT NULL) AS fallback,
       count(*) FILTER (WHERE fallback IS NOT NULL) AS judged_locally
FROM article_relevance
WHERE topic = $1 AND logical_date = $2
