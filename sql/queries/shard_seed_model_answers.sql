-- The model-answer cache a shard needs: the first good answer per request, for the seeded
-- runs' requests (a forced re-run asks the same) and for outlets (any topic's).
INSERT INTO shard.llm_calls BY NAME
SELECT * FROM llm_calls
WHERE NOT cache_hit AND error IS NULL AND raw_response IS NOT NULL
  AND (run_id IN (SELECT run_id FROM shard.runs) OR purpose = 'classify-outlet')
QUALIFY row_number() OVER (PARTITION BY request_key ORDER BY created_at) = 1
