-- The topic's latest published day (where its chart ends). $1 topic.
SELECT max(logical_date) FROM digests WHERE topic = $1
