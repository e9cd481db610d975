-- The validators of a feed URL (conditional fetch); the body they describe is read apart, by
-- its primary key, so this lookup never scans the stored bodies.
SELECT etag, last_modified, fetch_id
FROM feed_validators
WHERE url = ?
