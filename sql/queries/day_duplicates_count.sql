-- Copies dropped on one topic-day. $1 topic, $2 day.
SELECT count(*) FROM duplicates WHERE topic = $1 AND logical_date = $2
