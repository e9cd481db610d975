-- One model call, cache hit or budget stop (parallax/llm/cache.py), in the order of _COLUMNS;
-- messages, params and parsed arrive as JSON text.
INSERT INTO llm_calls (call_id, run_id, purpose, model, api_base, request_key, attempt,
                       cache_hit, messages, params, raw_response, parsed, validation_errors,
                       prompt_tokens, completion_tokens, cost_usd, latency_ms, error, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::JSON, ?::JSON, ?, ?::JSON, ?::VARCHAR[], ?, ?, ?, ?, ?, ?)
