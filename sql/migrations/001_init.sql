-- 001: the pipeline's system of record.
-- Every stage table is keyed by (topic, logical_date, ...) and carries the run_id that last
-- wrote it: re-running a day replaces that day's rows instead of adding to them. The run
-- ledger (runs, stage_runs) and the raw fetch log (raw_fetches) are append-only history.

CREATE TABLE IF NOT EXISTS runs (
    run_id        VARCHAR PRIMARY KEY,
    topic         VARCHAR NOT NULL,
    logical_date  DATE NOT NULL,
    kind          VARCHAR NOT NULL,           -- daily | backfill | replay
    status        VARCHAR NOT NULL,           -- running | succeeded | failed
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    flow_run_id   VARCHAR,                    -- Prefect flow run, when run under Prefect
    parent_run_id VARCHAR,                    -- lineage: the run a replay recomputes
    summarizer    VARCHAR,
    counts        JSON,                       -- headline numbers of the run
    error         VARCHAR
);

CREATE TABLE IF NOT EXISTS stage_runs (
    run_id       VARCHAR NOT NULL,
    stage        VARCHAR NOT NULL,            -- fetch | parse | dedupe | classify | select | summarize | publish
    status       VARCHAR NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    duration_ms  DOUBLE,
    counts       JSON,
    error        VARCHAR,
    PRIMARY KEY (run_id, stage)
);

-- One row per HTTP attempt, written before anything parses the body: replay reads these.
CREATE TABLE IF NOT EXISTS raw_fetches (
    fetch_id      VARCHAR PRIMARY KEY,
    run_id        VARCHAR NOT NULL,
    topic         VARCHAR NOT NULL,
    logical_date  DATE NOT NULL,
    perspective   VARCHAR NOT NULL,           -- the feed's perspective id
    feed_index    INTEGER NOT NULL,           -- position of the feed in the topic config
    url           VARCHAR NOT NULL,
    attempt       INTEGER NOT NULL,
    status_code   INTEGER,                    -- NULL when no HTTP answer (timeout, refused)
    headers       JSON,                       -- the headers that matter (content-type, etag, ...)
    body          BLOB,
    fetched_at    TIMESTAMPTZ NOT NULL,
    elapsed_ms    DOUBLE,
    ok            BOOLEAN NOT NULL,           -- a usable feed: 2xx and parseable RSS
    item_count    INTEGER,
    error         VARCHAR                     -- why it is not ok
);

CREATE TABLE IF NOT EXISTS articles (
    topic            VARCHAR NOT NULL,
    logical_date     DATE NOT NULL,
    article_id       VARCHAR NOT NULL,
    run_id           VARCHAR NOT NULL,
    fetch_id         VARCHAR NOT NULL,
    feed_perspective VARCHAR NOT NULL,
    language         VARCHAR,
    region           VARCHAR,
    feed_position    INTEGER,
    guid             VARCHAR,
    link             VARCHAR,
    title            VARCHAR,
    raw_title        VARCHAR,
    description      VARCHAR,
    source_name      VARCHAR,
    source_url       VARCHAR,
    source_domain    VARCHAR,
    published_at     TIMESTAMPTZ,
    PRIMARY KEY (topic, logical_date, article_id)
);

-- One row per article dropped as a copy of another; the kept one has no row.
CREATE TABLE IF NOT EXISTS duplicates (
    topic           VARCHAR NOT NULL,
    logical_date    DATE NOT NULL,
    article_id      VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL,
    kept_article_id VARCHAR NOT NULL,
    method          VARCHAR NOT NULL,         -- guid | link | title_exact | ...
    score           DOUBLE,
    PRIMARY KEY (topic, logical_date, article_id)
);

-- Which country each article's outlet speaks for, how we know, and the side it lands on.
CREATE TABLE IF NOT EXISTS article_perspectives (
    topic         VARCHAR NOT NULL,
    logical_date  DATE NOT NULL,
    article_id    VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    country       VARCHAR,
    outlet_kind   VARCHAR NOT NULL,
    outlet_name   VARCHAR,
    ownership     VARCHAR,                    -- state | public | private | unknown
    method        VARCHAR NOT NULL,
    confidence    DOUBLE,
    evidence      VARCHAR,
    perspective   VARCHAR NOT NULL,           -- a side id, 'international' or 'unknown'
    PRIMARY KEY (topic, logical_date, article_id)
);

CREATE TABLE IF NOT EXISTS selections (
    topic         VARCHAR NOT NULL,
    logical_date  DATE NOT NULL,
    article_id    VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    side          VARCHAR NOT NULL,
    number        INTEGER NOT NULL,           -- position in the page's Sources list
    rank_in_side  INTEGER NOT NULL,
    PRIMARY KEY (topic, logical_date, article_id)
);

CREATE TABLE IF NOT EXISTS selection_shortfalls (
    topic         VARCHAR NOT NULL,
    logical_date  DATE NOT NULL,
    side          VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    quota         INTEGER NOT NULL,
    available     INTEGER NOT NULL,
    selected      INTEGER NOT NULL,
    shortfall     INTEGER NOT NULL,           -- quota - available when positive, else 0
    PRIMARY KEY (topic, logical_date, side)
);

CREATE TABLE IF NOT EXISTS summaries (
    topic         VARCHAR NOT NULL,
    logical_date  DATE NOT NULL,
    run_id        VARCHAR NOT NULL,
    summarizer    VARCHAR NOT NULL,
    highlights    JSON NOT NULL,              -- [{text, citations:[n]}]
    sides         JSON NOT NULL,              -- {side: [{text, citations}]}
    differences   JSON NOT NULL,
    off_topic     JSON NOT NULL,              -- article_ids judged off-topic: not on the page
    note          VARCHAR,
    PRIMARY KEY (topic, logical_date)
);

CREATE TABLE IF NOT EXISTS digests (
    topic          VARCHAR NOT NULL,
    logical_date   DATE NOT NULL,
    run_id         VARCHAR NOT NULL,
    path           VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    content        VARCHAR NOT NULL,
    changed        BOOLEAN NOT NULL,          -- false when the file already had these bytes
    article_count  INTEGER NOT NULL,
    PRIMARY KEY (topic, logical_date)
);
