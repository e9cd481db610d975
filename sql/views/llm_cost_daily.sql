-- llm_cost_daily: language-model use and cost per UTC day and model, from the llm_calls audit.
--
-- Answers: "what did summaries cost yesterday, per model, and how much did the cache save?"
CREATE OR REPLACE VIEW llm_cost_daily AS
SELECT
    CAST(timezone('UTC', created_at) AS DATE) AS day,
    model,
    count(*) FILTER (WHERE attempt >= 1) AS calls,
    count(*) FILTER (WHERE attempt >= 1 AND error IS NOT NULL) AS failed_calls,
    count(*) FILTER (WHERE cache_hit) AS cache_hits,
    count(*) FILTER (WHERE attempt = 0 AND NOT cache_hit) AS budget_stops,
    coalesce(sum(prompt_tokens) FILTER (WHERE attempt >= 1), 0) AS prompt_tokens,
    coalesce(sum(completion_tokens) FILTER (WHERE attempt >= 1), 0) AS completion_tokens,
    coalesce(sum(prompt_tokens + completion_tokens) FILTER (WHERE attempt >= 1), 0)
        AS total_tokens,
    round(coalesce(sum(cost_usd) FILTER (WHERE attempt >= 1), 0), 6) AS cost_usd,
    count(*) FILTER (WHERE attempt >= 1 AND cost_usd IS NULL AND error IS NULL) AS unpriced_calls,
    round(avg(latency_ms) FILTER (WHERE attempt >= 1), 1) AS avg_latency_ms
FROM llm_calls
GROUP BY ALL;

COMMENT ON VIEW llm_cost_daily IS 'Language-model use and cost per UTC day and model, from the llm_calls audit (every attempt, cache hit and budget stop is a row there).';
COMMENT ON COLUMN llm_cost_daily.day IS 'UTC date of the call (created_at)';
COMMENT ON COLUMN llm_cost_daily.model IS 'litellm model string';
COMMENT ON COLUMN llm_cost_daily.calls IS 'model calls made (HTTP attempts, failed ones included)';
COMMENT ON COLUMN llm_cost_daily.failed_calls IS 'attempts that ended with an error';
COMMENT ON COLUMN llm_cost_daily.cache_hits IS 'requests answered from llm_calls instead of the model (free)';
COMMENT ON COLUMN llm_cost_daily.budget_stops IS 'calls not made because the run''s cost budget would be exceeded';
COMMENT ON COLUMN llm_cost_daily.prompt_tokens IS 'prompt tokens of the calls made';
COMMENT ON COLUMN llm_cost_daily.completion_tokens IS 'completion tokens of the calls made';
COMMENT ON COLUMN llm_cost_daily.total_tokens IS 'prompt plus completion tokens';
COMMENT ON COLUMN llm_cost_daily.cost_usd IS 'summed cost of the calls with a known price (USD)';
COMMENT ON COLUMN llm_cost_daily.unpriced_calls IS 'calls whose price is unknown (model not in litellm''s cost map, no price set)';
COMMENT ON COLUMN llm_cost_daily.avg_latency_ms IS 'mean latency of the calls made (ms)';
