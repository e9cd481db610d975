-- perspective_purity: per topic, day and side, how "pure" the side is by outlet country, and
-- how much of that side's search feed was from another side, another country or unknown.
-- (The old system's "perspective purity and unknown share" per topic and day.)
--
-- A side's countries live in config/topics.yaml; classify writes the side an outlet's country
-- belongs to into article_perspectives.perspective at run time, so "the country belongs to the
-- side" is `perspective = side` below. Feed shares count unique (non-duplicate) articles by the
-- feed that returned them: that is what the old system put on each side.
--
-- Columns
--   topic, logical_date, side       the topic-day and a side id (one row per side with a feed)
--   placed                          articles listed on the page under this side
--   placed_country_true             ... whose outlet country belongs to the side (known country)
--   placed_purity                   placed_country_true / placed (1.0 is the invariant; NULL if none placed)
--   feed_articles                   unique articles returned by this side's feed(s)
--   feed_on_side                    ... whose outlet country belongs to this side
--   feed_other_side                 ... whose outlet country belongs to another side of the topic
--   feed_international              ... from a known country on no side
--   feed_unknown                    ... whose country is unknown (aggregators, unregistered outlets)
--   feed_purity                     feed_on_side / feed_articles: how right the old system's side would be
--   international_share, unknown_share   feed_international / feed_articles, feed_unknown / feed_articles
--   side_judged                     unique articles of the side's own outlets the relevance stage judged
--   side_off_topic                  ... of them judged off-topic (never on a page)
--   off_topic_share                 side_off_topic / side_judged
CREATE OR REPLACE VIEW perspective_purity AS
WITH unique_articles AS (
    SELECT a.topic, a.logical_date, a.feed_perspective, p.perspective
    FROM articles a
    JOIN article_perspectives p USING (topic, logical_date, article_id)
    ANTI JOIN duplicates d USING (topic, logical_date, article_id)
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
    FROM unique_articles
    GROUP BY ALL
),
relevance AS (
    SELECT
        a.topic,
        a.logical_date,
        p.perspective AS side,
        count(*) AS side_judged,
        count(*) FILTER (WHERE NOT r.on_topic) AS side_off_topic
    FROM articles a
    JOIN article_perspectives p USING (topic, logical_date, article_id)
    JOIN article_relevance r USING (topic, logical_date, article_id)
    ANTI JOIN duplicates d USING (topic, logical_date, article_id)
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
