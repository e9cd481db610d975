-- The latest finished run the analysts' copy will hold: when it finished (NULLs
-- before the first run).
SELECT max(finished_at) FROM runs WHERE finished_at IS NOT NULL
