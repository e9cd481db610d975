-- daily_side_country_counts: how many articles each side and outlet country published each day
-- on a topic, and how many of them reached a page; every article counted once.
--
-- Answers: "how much did Chinese vs Hong Kong outlets publish on us-china each day, and how much
-- of it reached the pages?"
--
-- The day is the article's publication day (UTC), as on the topic's chart: an article fetched by
-- several digests (each reads max_age_days of news) counts once, on the day it was published.
CREATE OR REPLACE VIEW daily_side_country_counts AS
SELECT
    topic,
    coalesce(CAST(timezone('UTC', published_at) AS DATE), first_seen) AS day,
    side,
    country,
    count(*) AS articles,
    count(*) FILTER (WHERE NOT is_duplicate) AS unique_articles,
    count(*) FILTER (WHERE is_duplicate) AS duplicates,
    count(*) FILTER (WHERE on_page) AS selected
FROM enriched_articles
GROUP BY ALL;

COMMENT ON VIEW daily_side_country_counts IS 'Articles per topic, publication day (UTC), country-true side and outlet country, and how many reached a page. Each article counts once (on its publication day), however many digests read it: sums over days are distinct articles.';
COMMENT ON COLUMN daily_side_country_counts.topic IS 'topic id';
COMMENT ON COLUMN daily_side_country_counts.day IS 'publication day (UTC); the first digest day that fetched it when the feed gave no date';
COMMENT ON COLUMN daily_side_country_counts.side IS 'country-true side: a side id, international or unknown';
COMMENT ON COLUMN daily_side_country_counts.country IS 'outlet country, ISO-3166 alpha-2 (NULL when unknown)';
COMMENT ON COLUMN daily_side_country_counts.articles IS 'distinct articles fetched, copies included';
COMMENT ON COLUMN daily_side_country_counts.unique_articles IS 'of them, articles not dropped as copies (what selection chooses from)';
COMMENT ON COLUMN daily_side_country_counts.duplicates IS 'of them, articles dedupe dropped as copies of another';
COMMENT ON COLUMN daily_side_country_counts.selected IS 'of them, articles listed on at least one page';
