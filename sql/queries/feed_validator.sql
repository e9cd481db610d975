-- The validators of a feed URL and the body they describe (conditional fetch).
SELECT v.etag, v.last_modified, v.fetch_id, f.body
FROM feed_validators v
JOIN raw_fetches f ON f.fetch_id = v.fetch_id
WHERE v.url = ?
