-- The cached answer to a request: the first successful model answer for the key ($1), without
-- its messages and params (the caller has them: they make the key), columns in the order of
-- _CACHED_COLUMNS (parallax/llm/cache.py).
SELECT call_id, run_id, purpose, model, api_base, request_key, attempt, cache_hit,
       raw_response, parsed, validation_errors, prompt_tokens, completion_tokens, cost_usd,
       latency_ms, error, created_at
FROM llm_calls
WHERE request_key = ? AND NOT cache_hit AND error IS NULL AND raw_response IS NOT NULL
ORDER BY created_at
LIMIT 1
