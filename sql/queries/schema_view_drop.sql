-- Drop a view whose file is gone ({view} is the view's name).
DROP VIEW IF EXISTS "{view}"
