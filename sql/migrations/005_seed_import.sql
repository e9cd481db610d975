-- 005: pages of the system we replace (jspagnuolo/news-summarizer), imported by
-- `parallax import-seed DIR` so its history carries over (issue 7). Parsed by
-- tasks/import_seed.py; column meanings as in ../shared/corpus/README.md.
--
-- Re-importing a page replaces its digest row and all its article rows (keys: topic +
-- digest_date, topic + digest_date + position); import_id says which import wrote a row.
-- Analyst views are not migrations: they live in sql/views/ and migrate() re-applies them.
CREATE TABLE IF NOT EXISTS seed_digests (
    topic                  VARCHAR NOT NULL,
    digest_date            DATE NOT NULL,
    import_id              VARCHAR NOT NULL,
    source_file            VARCHAR NOT NULL,    -- <topic>/<date>.md under the imported folder
    format                 VARCHAR NOT NULL,    -- current | legacy-venezuela | first-run
    title                  VARCHAR,
    generated_at           TIMESTAMPTZ,         -- front matter `date`
    topic_name             VARCHAR,
    sources                VARCHAR[],           -- front matter list of outlet names
    article_count          INTEGER NOT NULL,    -- front matter articleCount
    article_count_listed   INTEGER NOT NULL,    -- lines in the Sources list
    perspectives           JSON,                -- [{id, name, count}] or NULL
    perspective_counts     JSON NOT NULL,       -- {id: count} from <id>Sources keys
    draft                  BOOLEAN NOT NULL,
    highlights             VARCHAR[],
    perspective_bullets    JSON NOT NULL,       -- {id: [bullets]}
    summary_paragraphs     VARCHAR[],
    perspective_paragraphs JSON NOT NULL,       -- {id: [paragraphs]} (legacy pages)
    key_differences        VARCHAR[],
    perspective_basis      VARCHAR,             -- position | locale | NULL
    imported_at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (topic, digest_date)
);

CREATE TABLE IF NOT EXISTS seed_articles (
    topic              VARCHAR NOT NULL,
    digest_date        DATE NOT NULL,
    position           INTEGER NOT NULL,        -- 1-based position in the Sources list
    import_id          VARCHAR NOT NULL,
    feed_perspective   VARCHAR,                 -- the feed's perspective id, NULL if underivable
    perspective_basis  VARCHAR,                 -- position | locale | NULL
    locale             VARCHAR,                 -- [en-US] tag, NULL on the first-run page
    title              VARCHAR NOT NULL,
    link               VARCHAR NOT NULL,
    source_name        VARCHAR NOT NULL,
    published_date     DATE NOT NULL,
    PRIMARY KEY (topic, digest_date, position)
);
