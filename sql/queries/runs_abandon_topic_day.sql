-- Runs of one topic-day left 'running' by a process that ended. $1 reason, $2 topic, $3 day.
UPDATE runs SET status = 'abandoned', error = $1
WHERE topic = $2 AND logical_date = $3 AND status = 'running'
