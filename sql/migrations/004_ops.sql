-- 004: operations (issue 6): conditional fetch and replay lineage.
--
-- feed_validators: the ETag / Last-Modified a feed URL last answered with, and the raw_fetches
-- row holding that answer's body. A live run sends them back (If-None-Match /
-- If-Modified-Since); a 304 reuses that body. One row per URL, upserted with MERGE INTO
-- (no PRIMARY KEY, so the table also works on DuckLake).
CREATE TABLE IF NOT EXISTS feed_validators (
    url           VARCHAR NOT NULL,           -- the exact request URL (feed identity)
    topic         VARCHAR NOT NULL,
    feed_index    INTEGER NOT NULL,
    etag          VARCHAR,
    last_modified VARCHAR,
    fetch_id      VARCHAR NOT NULL,           -- raw_fetches row with the body these describe
    updated_at    TIMESTAMPTZ NOT NULL
);

-- A 304 attempt stores no body of its own: it names the earlier fetch whose body it reuses.
ALTER TABLE raw_fetches ADD COLUMN IF NOT EXISTS reused_fetch_id VARCHAR;
