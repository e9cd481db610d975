-- A topic-day run ends: its status, when, its headline numbers and its error, if any.
UPDATE runs SET status = $status, finished_at = $finished_at, counts = $counts, error = $error
WHERE run_id = $run_id
