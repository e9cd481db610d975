-- The run ledger, newest first, with the stage that failed (parallax runs).
SELECT r.run_id, r.topic, r.logical_date, r.kind, r.status, r.started_at, r.finished_at,
       date_diff('millisecond', r.started_at, r.finished_at) / 1000.0 AS seconds,
       r.parent_run_id, r.summarizer, r.error,
       (SELECT string_agg(s.stage, ',') FROM stage_runs s
        WHERE s.run_id = r.run_id AND s.status = 'failed') AS failed_stage
FROM runs r
WHERE ($1 IS NULL OR r.topic = $1)
  AND (NOT $2 OR r.status IN ('failed', 'abandoned'))
ORDER BY r.started_at DESC
LIMIT $3
