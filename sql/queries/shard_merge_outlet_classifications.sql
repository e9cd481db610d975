-- Outlet decisions of the shard's new runs, merged into the database's rows (first/last seen
-- widened; the latest run's decision wins).
MERGE INTO outlet_classifications AS t
USING (SELECT * FROM shard.outlet_classifications
       WHERE last_run_id IN (SELECT run_id FROM _shard_runs)) AS s
ON t.source_name = s.source_name AND t.source_domain = s.source_domain
   AND t.registry_version = s.registry_version
WHEN MATCHED THEN UPDATE SET
    country = s.country, kind = s.kind, outlet_name = s.outlet_name,
    ownership = s.ownership, method = s.method, confidence = s.confidence,
    evidence = s.evidence, articles = s.articles,
    first_seen = least(t.first_seen, s.first_seen),
    last_seen = greatest(t.last_seen, s.last_seen),
    last_run_id = CASE WHEN s.last_seen >= t.last_seen THEN s.last_run_id
                       ELSE t.last_run_id END
WHEN NOT MATCHED THEN INSERT BY NAME
