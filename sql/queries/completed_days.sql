-- Topic-days between two dates that already have a succeeded run (backfill skips them).
SELECT DISTINCT topic, logical_date
FROM runs
WHERE status = 'succeeded' AND logical_date BETWEEN $1 AND $2
