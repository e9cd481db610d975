-- Migrations already applied, with the checksum of the file as it was applied.
SELECT version, name, checksum FROM schema_migrations
