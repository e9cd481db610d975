-- 012: stories followed across days, and English renderings of the headlines a page lists in
-- another language.
--
-- The stories stage (after relevance) groups a topic-day's in-window articles by event, in any
-- language; story_clusters.cluster_id is the day's group and story_id the story it belongs
-- to: the id of an earlier day's story it continues, or a new one.
ALTER TABLE story_clusters ADD COLUMN IF NOT EXISTS story_id VARCHAR;

-- One row per story of a topic-day: who covered it, in which languages, since when.
CREATE TABLE IF NOT EXISTS day_stories (
    topic         VARCHAR NOT NULL,
    logical_date  DATE NOT NULL,
    story_id      VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    first_seen    DATE NOT NULL,              -- the first digest day the story was seen
    articles      INTEGER NOT NULL,           -- its in-window articles of the day (copies included)
    new_articles  INTEGER NOT NULL,           -- ... not in the previous day's stories
    sides         VARCHAR[] NOT NULL,         -- sides whose outlets covered it with an on-topic article
    loose_sides   VARCHAR[] NOT NULL,         -- sides with an on-topic article that may report it
    languages     VARCHAR[] NOT NULL,         -- languages of its articles
    headline      VARCHAR NOT NULL,           -- one of its titles (the page's first, else the earliest)
    PRIMARY KEY (topic, logical_date, story_id)
);

-- English renderings of the non-English headlines a page lists (with a model configured; the
-- extractive default marks the language instead).
CREATE TABLE IF NOT EXISTS headline_translations (
    topic         VARCHAR NOT NULL,
    logical_date  DATE NOT NULL,
    article_id    VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    language      VARCHAR NOT NULL,           -- the headline's language (ISO 639-1)
    translation   VARCHAR NOT NULL,           -- its English rendering
    method        VARCHAR NOT NULL,           -- 'llm:<model>'
    PRIMARY KEY (topic, logical_date, article_id)
);

-- Why a page with a model configured shows its non-English headlines untranslated (NULL: they
-- were translated, or there were none).
ALTER TABLE summaries ADD COLUMN IF NOT EXISTS translation_note VARCHAR;
