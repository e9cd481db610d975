-- The ETag / Last-Modified a feed URL last answered with, one row per URL (MERGE INTO: the
-- table has no primary key, so it also works on DuckLake).
MERGE INTO feed_validators AS t
USING (SELECT $url AS url, $topic AS topic, $feed_index AS feed_index, $etag AS etag,
              $last_modified AS last_modified, $fetch_id AS fetch_id,
              $updated_at AS updated_at) AS s
ON t.url = s.url
WHEN MATCHED THEN UPDATE SET topic = s.topic, feed_index = s.feed_index, etag = s.etag,
    last_modified = s.last_modified, fetch_id = s.fetch_id, updated_at = s.updated_at
WHEN NOT MATCHED THEN INSERT (url, topic, feed_index, etag, last_modified, fetch_id, updated_at)
    VALUES (s.url, s.topic, s.feed_index, s.etag, s.last_modified, s.fetch_id, s.updated_at)
