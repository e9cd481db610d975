-- One stage of a run, as it ended: status, timing, counts and error.
INSERT INTO stage_runs (run_id, stage, status, started_at, finished_at, duration_ms, counts, error)
VALUES ($run_id, $stage, $status, $started_at, $finished_at, $duration_ms, $counts, $error)
