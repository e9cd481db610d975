-- The newest usable raw response of each feed of a run (a feed retried after a 503 has
-- several attempts; only a good one is parsed). A 304 answer carries no body: it reuses the
-- body of the fetch it names (reused_fetch_id).
SELECT r.fetch_id, r.perspective, r.feed_index, coalesce(o.body, r.body) AS body
FROM raw_fetches r
LEFT JOIN raw_fetches o ON o.fetch_id = r.reused_fetch_id
WHERE r.run_id = ? AND r.ok
QUALIFY row_number() OVER (PARTITION BY r.feed_index ORDER BY r.attempt DESC, r.fetched_at DESC) = 1
ORDER BY r.feed_index
