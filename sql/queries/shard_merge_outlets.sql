-- Registry versions a shard stored that the database lacks.
INSERT INTO outlets BY NAME
SELECT * FROM shard.outlets s
WHERE NOT EXISTS (SELECT 1 FROM outlets o
                  WHERE o.registry_version = s.registry_version AND o.name = s.name)
