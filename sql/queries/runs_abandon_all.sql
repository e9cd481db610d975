-- With the run lock held no other run is alive: every run still 'running' was left by a
-- process that died. $1 time, $2 reason.
UPDATE runs SET status = 'abandoned', finished_at = $1, error = $2 WHERE status = 'running'
