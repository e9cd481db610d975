-- What each feed of a fetch run ($1) got: attempts, whether any answer was usable, the last
-- error; and, for a feed with no usable answer, the earlier stored answer parse used instead
-- (same URL, topic and day), if any.
WITH attempts AS (
    SELECT perspective, feed_index, url, topic, logical_date,
           count(*) AS attempts, bool_or(ok) AS ok, arg_max(error, attempt) AS last_error,
           max(fetched_at) AS until
    FROM raw_fetches WHERE run_id = $1
    GROUP BY perspective, feed_index, url, topic, logical_date
)
SELECT a.perspective, a.feed_index, a.attempts, a.ok, a.last_error,
       (SELECT max(r.fetched_at) FROM raw_fetches r
        WHERE NOT a.ok AND r.ok AND r.url = a.url AND r.topic = a.topic
          AND r.logical_date = a.logical_date AND r.run_id <> $1
          AND r.fetched_at <= a.until) AS reused_from
FROM attempts a
ORDER BY a.feed_index
