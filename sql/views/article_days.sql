-- article_days: every article each digest day read, with what the pipeline decided about it that
-- day: one row per topic, digest day (logical_date) and feed item.
--
-- Answers: "what did the us-china digest of 2026-02-07 choose from, and what became of each
-- article: its outlet's country and side, dropped as a copy, listed on the page as which number?"
--
-- A digest reads every article published in its window (max_age_days, 5 by default), so an
-- article appears here once for each digest day that fetched it. To count articles, count
-- distinct article_key, or use the per-article view built on this one.
CREATE OR REPLACE VIEW article_days AS
SELECT
    a.topic,
    a.logical_date,
    a.article_id,
    coalesce(a.link, a.guid, a.article_id) AS article_key,
    a.run_id,
    a.title,
    a.link,
    a.published_at,
    a.source_name,
    a.source_domain,
    a.feed_perspective,
    a.language,
    a.region,
    p.perspective AS side,
    p.country,
    p.outlet_name,
    p.outlet_kind,
    p.ownership,
    p.method AS classify_method,
    p.confidence,
    d.article_id IS NOT NULL AS is_duplicate,
    d.kept_article_id AS duplicate_of,
    d.method AS duplicate_method,
    d.score AS duplicate_score,
    s.article_id IS NOT NULL AS is_selected,
    s.number,
    s.rank_in_side
FROM articles a
LEFT JOIN article_perspectives p USING (topic, logical_date, article_id)
LEFT JOIN duplicates d USING (topic, logical_date, article_id)
LEFT JOIN page_articles s USING (topic, logical_date, article_id);

COMMENT ON VIEW article_days IS 'Every article each digest day read, with what the pipeline decided about it that day: one row per topic, digest day and feed item. An article appears once for each digest whose window covers it: count distinct article_key (or use enriched_articles) to count articles.';
COMMENT ON COLUMN article_days.topic IS 'topic id';
COMMENT ON COLUMN article_days.logical_date IS 'the digest day that read the article';
COMMENT ON COLUMN article_days.article_id IS 'the feed item: one feed''s item, stable across days (key with topic and logical_date)';
COMMENT ON COLUMN article_days.article_key IS 'the article across feeds and days: its link (else guid, else article_id)';
COMMENT ON COLUMN article_days.run_id IS 'the run that fetched and parsed it';
COMMENT ON COLUMN article_days.title IS 'headline as text, without the " - Outlet" suffix';
COMMENT ON COLUMN article_days.link IS 'link of the article as the feed gave it';
COMMENT ON COLUMN article_days.published_at IS 'publication time (UTC) as the feed gave it';
COMMENT ON COLUMN article_days.source_name IS 'outlet as Google News names it';
COMMENT ON COLUMN article_days.source_domain IS 'publisher domain of the outlet';
COMMENT ON COLUMN article_days.feed_perspective IS 'side of the search feed that returned it (the old system''s "side")';
COMMENT ON COLUMN article_days.language IS 'language of that feed';
COMMENT ON COLUMN article_days.region IS 'region of that feed';
COMMENT ON COLUMN article_days.side IS 'country-true side: a side id, international or unknown (NULL when the day was not classified)';
COMMENT ON COLUMN article_days.country IS 'outlet country, ISO-3166 alpha-2 (NULL when unknown)';
COMMENT ON COLUMN article_days.outlet_name IS 'registry outlet (NULL when the registry does not know it)';
COMMENT ON COLUMN article_days.outlet_kind IS 'outlet, wire, aggregator, platform or unknown';
COMMENT ON COLUMN article_days.ownership IS 'state, public, private or unknown';
COMMENT ON COLUMN article_days.classify_method IS 'how the country was decided: domain, name, cctld, llm or none';
COMMENT ON COLUMN article_days.confidence IS 'confidence of that decision (0 to 1)';
COMMENT ON COLUMN article_days.is_duplicate IS 'dedupe dropped it that day as a copy of another article';
COMMENT ON COLUMN article_days.duplicate_of IS 'article_id of the article kept instead';
COMMENT ON COLUMN article_days.duplicate_method IS 'how the copy was detected (guid, link, title_exact, ...)';
COMMENT ON COLUMN article_days.duplicate_score IS 'similarity of the match (1.0 for exact rules)';
COMMENT ON COLUMN article_days.is_selected IS 'listed on that day''s page';
COMMENT ON COLUMN article_days.number IS 'its number in that page''s Sources list';
COMMENT ON COLUMN article_days.rank_in_side IS 'its rank within its side on that page';
