-- 1 when the registry version $1 is already stored in outlets, else 0.
SELECT count(*) FROM outlets WHERE registry_version = $1
