-- llm_cost_daily: language-model use and cost per UTC day and model, from the llm_calls audit.
--
-- Answers: "what did summaries cost yesterday, per model, and how much did the cache save?"
--
-- Columns
--   day                 UTC date of the call (created_at)
--   model               litellm model string
--   calls               model calls made (HTTP attempts, failed ones included)
--   failed_calls        attempts that ended with an error
--   cache_hits          requests answered from llm_calls instead of the model (free)
--   budget_stops        calls not made because the run's cost budget would be exceeded
--   prompt_tokens, completion_tokens, total_tokens   tokens of the calls made
--   cost_usd            summed cost of calls with a known price
--   unpriced_calls      calls whose price is unknown (model not in litellm's cost map)
--   avg_latency_ms      mean latency of the calls made
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
