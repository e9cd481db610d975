-- The feed bodies a run parses: per feed, the run's own newest usable answer; when every
-- attempt of the run failed, the newest usable answer an earlier run got for the same search
-- (same topic, day, query and locale), so a re-run during an outage never loses a day's
-- articles. A search is its URL's query string: the host and port of the server that answered
-- are not part of it, so a moved server still finds the earlier answers.
-- A 304 answer carries no body: it reuses the body of the fetch it names (reused_fetch_id).
-- Bodies are not read here (scanning them grows with the database): body_id names the
-- raw_fetches row whose body to parse, read by primary key.
-- $1: the run whose fetches are parsed.
WITH wanted AS (
    SELECT DISTINCT regexp_extract(url, '[?](.*)$', 1) AS search, topic, logical_date
    FROM raw_fetches WHERE run_id = $1
), cutoff AS (
    SELECT max(fetched_at) AS until FROM raw_fetches WHERE run_id = $1
)
SELECT r.fetch_id, r.perspective, r.feed_index,
       coalesce(r.reused_fetch_id, r.fetch_id) AS body_id, r.run_id <> $1 AS reused, r.run_id AS from_run, r.fetched_at,
       coalesce(r.body_cut, false) AS body_cut
FROM raw_fetches r
JOIN wanted w ON w.search = regexp_extract(r.url, '[?](.*)$', 1) AND w.topic = r.topic
    AND w.logical_date = r.logical_date
WHERE r.ok AND (r.run_id = $1 OR r.fetched_at <= (SELECT until FROM cutoff))
QUALIFY row_number() OVER (
    PARTITION BY w.search ORDER BY (r.run_id = $1) DESC, r.fetched_at DESC, r.attempt DESC) = 1
ORDER BY r.feed_index
