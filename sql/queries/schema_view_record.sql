-- Record one applied view. $1 name, $2 checksum of its file, $3 time.
INSERT INTO schema_views VALUES ($1, $2, $3)
