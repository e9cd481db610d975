-- Forget every recorded description of the views' columns (they are written again whole).
DELETE FROM schema_view_columns
