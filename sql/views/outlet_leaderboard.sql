-- outlet_leaderboard: the outlets of each topic ranked by how many of their articles reached a
-- page; every article counted once.
--
-- Answers: "which outlets dominate the us-china pages, from which country, state-owned or not?"
-- Copies dropped as duplicates are left out (a copy is not the outlet's contribution); an
-- article read by several digests (each reads max_age_days of news) counts once.
CREATE OR REPLACE VIEW outlet_leaderboard AS
WITH unique_articles AS (
    SELECT
        topic,
        coalesce(outlet_name, source_name, '(no name)') AS outlet,
        country,
        side,
        ownership,
        on_page,
        first_seen,
        last_seen,
        CAST(timezone('UTC', published_at) AS DATE) AS published_day
    FROM enriched_articles
    WHERE NOT is_duplicate
),
per_outlet AS (
    SELECT
        topic,
        outlet,
        arg_max(country, last_seen) AS country,
        arg_max(side, last_seen) AS side,
        arg_max(ownership, last_seen) AS ownership,
        count(*) AS articles,
        count(*) FILTER (WHERE on_page) AS selected,
        count(DISTINCT published_day) AS days_published,
        min(first_seen) AS first_seen,
        max(last_seen) AS last_seen
    FROM unique_articles
    GROUP BY topic, outlet
),
pages AS (
    SELECT
        s.topic,
        coalesce(p.outlet_name, a.source_name, '(no name)') AS outlet,
        count(DISTINCT s.logical_date) AS pages
    FROM page_articles s
    JOIN articles a USING (topic, logical_date, article_id)
    LEFT JOIN article_perspectives p USING (topic, logical_date, article_id)
    GROUP BY ALL
)
SELECT
    topic,
    outlet,
    country,
    side,
    ownership,
    articles,
    selected,
    round(selected / articles, 4) AS selected_share,
    coalesce(pages.pages, 0) AS pages,
    days_published,
    first_seen,
    last_seen,
    row_number() OVER (PARTITION BY topic ORDER BY selected DESC, articles DESC, outlet) AS rank
FROM per_outlet
LEFT JOIN pages USING (topic, outlet);

COMMENT ON VIEW outlet_leaderboard IS 'The outlets of each topic ranked by how many of their articles reached a page. Every article counts once however many digests read it; copies dropped as duplicates are left out.';
COMMENT ON COLUMN outlet_leaderboard.topic IS 'topic id';
COMMENT ON COLUMN outlet_leaderboard.outlet IS 'registry outlet name, else the name Google News gave';
COMMENT ON COLUMN outlet_leaderboard.country IS 'outlet country, ISO-3166 alpha-2 (NULL when unknown), as classified on the outlet''s last day';
COMMENT ON COLUMN outlet_leaderboard.side IS 'country-true side (a side id, international or unknown), as of the outlet''s last day';
COMMENT ON COLUMN outlet_leaderboard.ownership IS 'state, public, private or unknown, as of the outlet''s last day';
COMMENT ON COLUMN outlet_leaderboard.articles IS 'distinct articles of the outlet (copies left out)';
COMMENT ON COLUMN outlet_leaderboard.selected IS 'of them, articles listed on at least one page';
COMMENT ON COLUMN outlet_leaderboard.selected_share IS 'selected / articles';
COMMENT ON COLUMN outlet_leaderboard.pages IS 'digest days whose page listed at least one of its articles';
COMMENT ON COLUMN outlet_leaderboard.days_published IS 'distinct publication days (UTC) of its articles';
COMMENT ON COLUMN outlet_leaderboard.first_seen IS 'first digest day that fetched one of its articles';
COMMENT ON COLUMN outlet_leaderboard.last_seen IS 'last digest day that fetched one of its articles';
COMMENT ON COLUMN outlet_leaderboard.rank IS '1 = most selected in the topic (ties by articles, then name)';
