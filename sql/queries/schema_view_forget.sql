-- Forget the record of one view. $1 view name.
DELETE FROM schema_views WHERE name = $1
