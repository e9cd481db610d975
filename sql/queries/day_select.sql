-- One topic-day of a stage table ({table}). $1 topic, $2 logical date.
SELECT * FROM {table} WHERE topic = $1 AND logical_date = $2
