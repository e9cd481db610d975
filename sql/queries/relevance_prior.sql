-- Judgements already made of the titles in the frame _wanted (title_key, side) by the same
-- method ($3) for the topic ($1): the day's own (a re-run or replay gives the same answer),
-- else the earliest day's. $2 the day being judged.
SELECT r.title_key, r.side, r.score, r.on_topic, r.evidence
FROM article_relevance r
JOIN _wanted w ON r.title_key = w.title_key AND r.side IS NOT DISTINCT FROM w.side
WHERE r.topic = $1 AND r.method = $3 AND r.fallback IS NULL
QUALIFY row_number() OVER (
    PARTITION BY r.title_key, r.side
    ORDER BY (r.logical_date = $2) DESC, r.logical_date, r.article_id) = 1
