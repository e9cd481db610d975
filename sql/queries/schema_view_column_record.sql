-- Record one view column's description. $1 view, $2 column, $3 description.
INSERT INTO schema_view_columns VALUES ($1, $2, $3)
