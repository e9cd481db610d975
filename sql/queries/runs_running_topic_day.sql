-- How many runs of one topic-day are still marked running. $1 topic, $2 day.
SELECT count(*) FROM runs WHERE topic = $1 AND logical_date = $2 AND status = 'running'
