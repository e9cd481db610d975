-- How fresh the analysts' copy is (parallax sql prints it): published at, latest run.
SELECT published_at, last_run_finished FROM analyst_copy
