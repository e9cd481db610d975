-- perspective_purity: per topic, digest day and side, how "pure" the page's side is by outlet
-- country, and how much of that side's search feed was from another side, another country or
-- unknown. (The old system's "perspective purity and unknown share" per topic and day.)
--
-- Answers: "how much of each side's search feed is really from that side, and does every page
-- list a side's articles only from that side's countries?"
--
-- A side's countries live in config/topics.yaml; classify writes the side an outlet's country
-- belongs to into article_perspectives.perspective at run time, so "the country belongs to the
-- side" is `perspective = side` below. The feed columns count each article once, on the first
-- digest day that fetched it (a digest reads max_age_days of news, so the next days fetch it
-- again), by the feed that returned it; copies dropped as duplicates are left out. So the feed
-- columns summed over days are distinct articles; the placed columns count page listings. The
-- relevance columns count, the same way, the articles of the side's own outlets (perspective =
-- side) and how many of them the relevance stage judged off-topic (never listed on a page).
CREATE OR REPLACE VIEW perspective_purity AS
WITH firsts AS (
    -- each article (its link) once: the first day, and the feed, that fetched it (not as a copy)
    SELECT
        a.topic,
        min({'day': a.logical_date, 'feed': a.feed_perspective, 'id': a.article_id}) AS first
    FROM articles a
    ANTI JOIN duplicates d USING (topic, logical_date, article_id)
    GROUP BY a.topic, coalesce(a.link, a.guid, a.article_id)
),
new_articles AS (
    SELECT
        f.topic,
        f.first.day AS logical_date,
        f.first.feed AS feed_perspective,
        p.perspective,
        r.on_topic
    FROM firsts f
    JOIN article_perspectives p
        ON p.topic = f.topic AND p.logical_date = f.first.day AND p.article_id = f.first.id
    LEFT JOIN article_relevance r
        ON r.topic = f.topic AND r.logical_date = f.first.day AND r.article_id = f.first.id
),
feeds AS (
    SELECT
        topic,
        logical_date,
        feed_perspective AS side,
        count(*) AS feed_articles,
        count(*) FILTER (WHERE perspective = feed_perspective) AS feed_on_side,
        count(*) FILTER (
            WHERE perspective NOT IN ('international', 'unknown') AND perspective <> feed_perspective
        ) AS feed_other_side,
        count(*) FILTER (WHERE perspective = 'international') AS feed_international,
        count(*) FILTER (WHERE perspective = 'unknown') AS feed_unknown
    FROM new_articles
    GROUP BY ALL
),
relevance AS (
    SELECT
        topic,
        logical_date,
        perspective AS side,
        count(on_topic) AS side_judged,
        count(*) FILTER (WHERE NOT on_topic) AS side_off_topic
    FROM new_articles
    GROUP BY ALL
),
placed AS (
    SELECT
        s.topic,
        s.logical_date,
        s.side,
        count(*) AS placed,
        count(*) FILTER (WHERE p.perspective = s.side AND p.country IS NOT NULL)
            AS placed_country_true
    FROM page_articles s
    LEFT JOIN article_perspectives p USING (topic, logical_date, article_id)
    GROUP BY ALL
)
SELECT
    topic,
    logical_date,
    side,
    coalesce(placed.placed, 0) AS placed,
    coalesce(placed.placed_country_true, 0) AS placed_country_true,
    round(placed.placed_country_true / placed.placed, 4) AS placed_purity,
    coalesce(feeds.feed_articles, 0) AS feed_articles,
    coalesce(feeds.feed_on_side, 0) AS feed_on_side,
    coalesce(feeds.feed_other_side, 0) AS feed_other_side,
    coalesce(feeds.feed_international, 0) AS feed_international,
    coalesce(feeds.feed_unknown, 0) AS feed_unknown,
    round(feeds.feed_on_side / feeds.feed_articles, 4) AS feed_purity,
    round(feeds.feed_international / feeds.feed_articles, 4) AS international_share,
    round(feeds.feed_unknown / feeds.feed_articles, 4) AS unknown_share,
    coalesce(relevance.side_judged, 0) AS side_judged,
    coalesce(relevance.side_off_topic, 0) AS side_off_topic,
    round(relevance.side_off_topic / relevance.side_judged, 4) AS off_topic_share
FROM feeds
FULL JOIN placed USING (topic, logical_date, side)
LEFT JOIN relevance USING (topic, logical_date, side);

COMMENT ON VIEW perspective_purity IS 'Per topic, digest day and side: how country-true the page''s side is, and what the side''s search feed brought that day (each article counted once, on the first day it was fetched): from the side, another side, a country on no side, or unknown.';
COMMENT ON COLUMN perspective_purity.topic IS 'topic id';
COMMENT ON COLUMN perspective_purity.logical_date IS 'the digest day';
COMMENT ON COLUMN perspective_purity.side IS 'a side id (one row per side with a feed or a page listing)';
COMMENT ON COLUMN perspective_purity.placed IS 'articles the page lists under this side';
COMMENT ON COLUMN perspective_purity.placed_country_true IS 'of them, articles whose outlet country (known) belongs to the side';
COMMENT ON COLUMN perspective_purity.placed_purity IS 'placed_country_true / placed: 1.0 by design, a check (NULL when none placed)';
COMMENT ON COLUMN perspective_purity.feed_articles IS 'articles this side''s feed returned that were new that day (first fetched; copies left out)';
COMMENT ON COLUMN perspective_purity.feed_on_side IS 'of them, articles whose outlet country belongs to this side';
COMMENT ON COLUMN perspective_purity.feed_other_side IS 'of them, articles whose outlet country belongs to another side of the topic';
COMMENT ON COLUMN perspective_purity.feed_international IS 'of them, articles from a known country on no side';
COMMENT ON COLUMN perspective_purity.feed_unknown IS 'of them, articles whose outlet country is unknown (aggregators, unregistered outlets)';
COMMENT ON COLUMN perspective_purity.feed_purity IS 'feed_on_side / feed_articles: how right the old system''s feed-as-side would have been';
COMMENT ON COLUMN perspective_purity.international_share IS 'feed_international / feed_articles';
COMMENT ON COLUMN perspective_purity.unknown_share IS 'feed_unknown / feed_articles';
COMMENT ON COLUMN perspective_purity.side_judged IS 'articles of the side''s own outlets the relevance stage judged (new that day, copies left out)';
COMMENT ON COLUMN perspective_purity.side_off_topic IS 'of them, articles judged off-topic: kept in article_relevance, never on a page';
COMMENT ON COLUMN perspective_purity.off_topic_share IS 'side_off_topic / side_judged';
