-- Merge this run's per-outlet decisions (registered as _outlets) into outlet_classifications.
MERGE INTO outlet_classifications AS t
USING _outlets AS s
ON t.source_name = s.source_name AND t.source_domain = s.source_domain
   AND t.registry_version = s.registry_version
WHEN MATCHED THEN UPDATE SET
    country = s.country, kind = s.kind, outlet_name = s.outlet_name, ownership = s.ownership,
    method = s.method, confidence = s.confidence, evidence = s.evidence,
    articles = s.articles, last_seen = s.seen_at, last_run_id = s.run_id
WHEN NOT MATCHED THEN INSERT VALUES (
    s.source_name, s.source_domain, s.registry_version, s.country, s.kind, s.outlet_name,
    s.ownership, s.method, s.confidence, s.evidence, s.articles, s.seen_at, s.seen_at, s.run_id)
