-- 009: stories of a topic-day: articles about the same event, across sides. Every in-window
-- article is in exactly one cluster (singletons too); a story covered by one side only is that
-- side's exclusive and a blindspot of the others.
CREATE TABLE IF NOT EXISTS story_clusters (
    topic         VARCHAR NOT NULL,
    logical_date  DATE NOT NULL,
    article_id    VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    cluster_id    VARCHAR NOT NULL,           -- hash of the sorted member ids (deterministic)
    side          VARCHAR,                    -- the article's side, 'international', 'unknown'
    score         DOUBLE NOT NULL,            -- the article's best link inside its cluster
    PRIMARY KEY (topic, logical_date, article_id)
);
