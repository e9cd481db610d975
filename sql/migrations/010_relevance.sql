-- 010: how much each article is about its topic (the relevance stage), and the title
-- embeddings that stages reuse (each distinct text embedded once per model, ever).
CREATE TABLE IF NOT EXISTS article_relevance (
    topic         VARCHAR NOT NULL,
    logical_date  DATE NOT NULL,
    article_id    VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    title_key     VARCHAR NOT NULL,           -- sha256 of the title as judged: reused by later days
    side          VARCHAR,                    -- the outlet's side when judged (evidence depends on it)
    score         DOUBLE NOT NULL,            -- 0..1: how likely the article is about the topic
    on_topic      BOOLEAN NOT NULL,           -- the decision: only on-topic articles reach a page
    method        VARCHAR NOT NULL,           -- 'local:<scorer version>' or 'llm:<model>'
    evidence      VARCHAR NOT NULL,           -- why, in words: what the headline names
    reused        BOOLEAN NOT NULL,           -- taken from an earlier judgement of the same title
    fallback      VARCHAR,                    -- why a configured model did not judge it (else NULL)
    PRIMARY KEY (topic, logical_date, article_id)
);

CREATE TABLE IF NOT EXISTS title_embeddings (
    text_key      VARCHAR NOT NULL,           -- sha256 of the exact text embedded
    model         VARCHAR NOT NULL,           -- embedding model and version
    vector        FLOAT[384] NOT NULL,        -- L2-normalised
    embedded_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (text_key, model)
);

-- Selection is story-first and on-topic only: an article already on a recent page is marked
-- as continuing, and a side's shortfall says how many were off-topic or left out by the
-- per-outlet cap.
ALTER TABLE selections ADD COLUMN IF NOT EXISTS continuing BOOLEAN DEFAULT false;
ALTER TABLE selection_shortfalls ADD COLUMN IF NOT EXISTS off_topic INTEGER DEFAULT 0;
ALTER TABLE selection_shortfalls ADD COLUMN IF NOT EXISTS outlet_capped INTEGER DEFAULT 0;
