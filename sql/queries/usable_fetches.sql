-- The newest usable raw response of each feed of a run (a feed retried after a 503 has
-- several attempts; only a good one is parsed).
SELECT fetch_id, perspective, feed_index, body
FROM raw_fetches
WHERE run_id = ? AND ok
QUALIFY row_number() OVER (PARTITION BY feed_index ORDER BY attempt DESC, fetched_at DESC) = 1
ORDER BY feed_index
