-- Views recorded as applied, with the checksum of the file as it was applied.
SELECT name, checksum FROM schema_views
