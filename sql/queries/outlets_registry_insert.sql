-- Store a registry version, from the frame _registry (replacement scan).
INSERT INTO outlets BY NAME SELECT * FROM _registry
