-- enriched_articles: every article once, with what the pipeline decided about it: one row per
-- topic and article, however many digest days read it (the view analysts start from).
--
-- Answers: "which outlet, country and side was this article, was it only ever a copy, when was
-- it first and last fetched, and on how many pages was it listed?"
--
-- An article is its link (article_key): the same item from two feeds, or fetched again by the
-- next days' digests (each reads max_age_days of news), is one row. What describes it (title,
-- outlet, country, side) is from the last digest day that read it, preferring the copy it kept.
CREATE OR REPLACE VIEW enriched_articles AS
WITH days AS (
    SELECT
        a.topic,
        a.logical_date,
        a.article_id,
        coalesce(a.link, a.guid, a.article_id) AS article_key,
        a.feed_perspective,
        d.article_id IS NOT NULL AS is_duplicate,
        s.article_id IS NOT NULL AS is_selected
    FROM articles a
    LEFT JOIN duplicates d USING (topic, logical_date, article_id)
    LEFT JOIN page_articles s USING (topic, logical_date, article_id)
),
-- One row per article and digest day first (two feeds may return the same article that day):
-- the per-article counts below are then plain counts, not DISTINCT ones, which are slower.
per_day AS (
    SELECT
        topic,
        article_key,
        logical_date,
        max({'kept': NOT is_duplicate, 'id': article_id}) AS kept_first,
        list(feed_perspective) AS feeds,
        bool_and(is_duplicate) AS is_duplicate,
        bool_or(is_selected) AS is_selected
    FROM days
    GROUP BY topic, article_key, logical_date
),
facts AS (
    SELECT
        topic,
        article_key,
        -- the row that describes it: the last day, the copy it kept, then any
        max({'day': logical_date, 'kept': kept_first.kept, 'id': kept_first.id}) AS described_by,
        list_sort(list_distinct(flatten(list(feeds)))) AS feed_perspectives,
        min(logical_date) AS first_seen,
        max(logical_date) AS last_seen,
        count(*) AS days_seen,
        bool_and(is_duplicate) AS is_duplicate,
        count(*) FILTER (WHERE is_selected) AS days_on_page,
        min(logical_date) FILTER (WHERE is_selected) AS first_on_page,
        max(logical_date) FILTER (WHERE is_selected) AS last_on_page
    FROM per_day
    GROUP BY topic, article_key
)
SELECT
    f.topic,
    f.article_key,
    a.title,
    a.link,
    a.published_at,
    a.source_name,
    a.source_domain,
    p.perspective AS side,
    p.country,
    p.outlet_name,
    p.outlet_kind,
    p.ownership,
    p.method AS classify_method,
    p.confidence,
    f.feed_perspectives,
    f.first_seen,
    f.last_seen,
    CAST(f.days_seen AS INTEGER) AS days_seen,
    f.is_duplicate,
    CASE WHEN f.is_duplicate THEN coalesce(k.link, k.guid, k.article_id) END AS duplicate_of,
    CASE WHEN f.is_duplicate THEN d.method END AS duplicate_method,
    f.days_on_page > 0 AS on_page,
    CAST(f.days_on_page AS INTEGER) AS days_on_page,
    f.first_on_page,
    f.last_on_page
FROM facts f
JOIN articles a
    ON a.topic = f.topic
    AND a.logical_date = f.described_by.day
    AND a.article_id = f.described_by.id
LEFT JOIN article_perspectives p
    ON p.topic = a.topic AND p.logical_date = a.logical_date AND p.article_id = a.article_id
LEFT JOIN duplicates d
    ON d.topic = a.topic AND d.logical_date = a.logical_date AND d.article_id = a.article_id
LEFT JOIN articles k
    ON k.topic = d.topic AND k.logical_date = d.logical_date AND k.article_id = d.kept_article_id;

COMMENT ON VIEW enriched_articles IS 'Every article once (one row per topic and article_key, however many digest days read it), with its outlet, country, side, whether it was only ever a copy, when it was first and last fetched, and on how many pages it was listed. Count rows to count articles.';
COMMENT ON COLUMN enriched_articles.topic IS 'topic id';
COMMENT ON COLUMN enriched_articles.article_key IS 'the article: its link (else guid, else the feed item id); key with topic';
COMMENT ON COLUMN enriched_articles.title IS 'headline as text, as last fetched';
COMMENT ON COLUMN enriched_articles.link IS 'link of the article';
COMMENT ON COLUMN enriched_articles.published_at IS 'publication time (UTC) as the feed gave it';
COMMENT ON COLUMN enriched_articles.source_name IS 'outlet as Google News names it';
COMMENT ON COLUMN enriched_articles.source_domain IS 'publisher domain of the outlet';
COMMENT ON COLUMN enriched_articles.side IS 'country-true side: a side id, international or unknown (NULL when never classified), as of last_seen';
COMMENT ON COLUMN enriched_articles.country IS 'outlet country, ISO-3166 alpha-2 (NULL when unknown), as of last_seen';
COMMENT ON COLUMN enriched_articles.outlet_name IS 'registry outlet (NULL when the registry does not know it)';
COMMENT ON COLUMN enriched_articles.outlet_kind IS 'outlet, wire, aggregator, platform or unknown';
COMMENT ON COLUMN enriched_articles.ownership IS 'state, public, private or unknown';
COMMENT ON COLUMN enriched_articles.classify_method IS 'how the country was decided: domain, name, cctld, llm or none';
COMMENT ON COLUMN enriched_articles.confidence IS 'confidence of that decision (0 to 1)';
COMMENT ON COLUMN enriched_articles.feed_perspectives IS 'sides of the search feeds that returned it, on any day (the old system''s "side")';
COMMENT ON COLUMN enriched_articles.first_seen IS 'first digest day that fetched it';
COMMENT ON COLUMN enriched_articles.last_seen IS 'last digest day that fetched it';
COMMENT ON COLUMN enriched_articles.days_seen IS 'digest days that fetched it';
COMMENT ON COLUMN enriched_articles.is_duplicate IS 'dedupe dropped it as a copy of another article on every day it was fetched';
COMMENT ON COLUMN enriched_articles.duplicate_of IS 'when is_duplicate: the article_key of the article kept instead (on last_seen)';
COMMENT ON COLUMN enriched_articles.duplicate_method IS 'when is_duplicate: how the copy was detected (on last_seen)';
COMMENT ON COLUMN enriched_articles.on_page IS 'listed on at least one page';
COMMENT ON COLUMN enriched_articles.days_on_page IS 'digest days whose page listed it';
COMMENT ON COLUMN enriched_articles.first_on_page IS 'first digest day whose page listed it';
COMMENT ON COLUMN enriched_articles.last_on_page IS 'last digest day whose page listed it';
