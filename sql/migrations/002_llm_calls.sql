-- 002: audit of every language-model call (issue 5), also the response cache.
--
-- One row per HTTP attempt (failed attempts included, with `error`), per cache hit
-- (cache_hit = true, cost 0, attempt 0) and per call stopped by the run's cost budget
-- (attempt 0, error says so). Rows are events keyed by call_id (a uuid4) and written with
-- MERGE INTO, so writing the same record twice is a no-op; no PRIMARY KEY so the table also
-- works on DuckLake.
--
-- Never holds credentials: api_base is stored without user-info or query string, params never
-- include api_key/headers, and text fields pass through tasks.llm.Redactor first.
CREATE TABLE IF NOT EXISTS llm_calls (
    call_id           VARCHAR   NOT NULL,  -- uuid4
    run_id            VARCHAR   NOT NULL,  -- run that made (or replayed) the call
    purpose           VARCHAR   NOT NULL,  -- e.g. summarize:us-china:2026-07-31, ...:repair
    model             VARCHAR   NOT NULL,  -- litellm model string
    api_base          VARCHAR,             -- OpenAI-compatible server, credentials stripped
    request_key       VARCHAR   NOT NULL,  -- sha256 of model + messages + params: cache key
    attempt           INTEGER   NOT NULL,  -- 1.. for model calls; 0 = no call made
    cache_hit         BOOLEAN   NOT NULL,
    messages          JSON      NOT NULL,  -- prompt as sent
    params            JSON      NOT NULL,  -- temperature, max_tokens, response_format
    raw_response      VARCHAR,             -- assistant text as received
    parsed            JSON,                -- JSON object extracted from raw_response
    validation_errors VARCHAR[],           -- empty = accepted
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    cost_usd          DOUBLE,              -- NULL = price unknown (model not in the cost map)
    latency_ms        DOUBLE,
    error             VARCHAR,             -- redacted error of a failed attempt
    created_at        TIMESTAMPTZ NOT NULL
);
