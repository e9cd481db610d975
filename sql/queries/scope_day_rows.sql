-- A scratch file's rows of {table} for the topic-days of _scope (a data frame of topic,
-- logical_date): what a lake merge copies of a day table, and of the day's runs.
SELECT * FROM {table}
WHERE (topic, logical_date) IN (SELECT (topic, logical_date) FROM _scope)
