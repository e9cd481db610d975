-- Model usage of one run: calls made, cache hits, tokens and known cost.
SELECT count(*) FILTER (WHERE attempt > 0) AS calls,
       count(*) FILTER (WHERE cache_hit) AS cache_hits,
       coalesce(sum(prompt_tokens) FILTER (WHERE NOT cache_hit), 0) AS prompt_tokens,
       coalesce(sum(completion_tokens) FILTER (WHERE NOT cache_hit), 0) AS completion_tokens,
       coalesce(sum(cost_usd), 0) AS cost_usd
FROM llm_calls
WHERE run_id = ?
