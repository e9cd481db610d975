-- The published page of a topic-day and the run that wrote it, with the run whose stored
-- responses it parsed (counts.fetch_run_id; older runs lack it). $1 topic, $2 day.
SELECT d.run_id, d.content, r.kind, r.parent_run_id,
       json_extract_string(r.counts, '$.fetch_run_id')
FROM digests d LEFT JOIN runs r USING (run_id)
WHERE d.topic = $1 AND d.logical_date = $2
