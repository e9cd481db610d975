-- Remove one topic-day of a stage table ({table}) before a run writes it again.
-- $1 topic, $2 logical date.
DELETE FROM {table} WHERE topic = $1 AND logical_date = $2
