-- The recorded descriptions of the views' columns.
SELECT view_name, column_name, comment FROM schema_view_columns
