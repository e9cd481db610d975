-- A scratch file's rows of {table} written by the runs of the topic-days of _scope (a data
-- frame of topic, logical_date) that have finished.
SELECT * FROM {table}
WHERE run_id IN (SELECT run_id FROM runs
                 WHERE (topic, logical_date) IN (SELECT (topic, logical_date) FROM _scope)
                   AND status <> 'running')
