-- Record one applied migration. $1 version, $2 name, $3 checksum of its file, $4 time.
INSERT INTO schema_migrations VALUES ($1, $2, $3, $4)
