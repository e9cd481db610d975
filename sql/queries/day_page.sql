-- The published page of one topic-day. $1 topic, $2 day.
SELECT content FROM digests WHERE topic = $1 AND logical_date = $2
