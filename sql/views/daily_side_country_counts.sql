-- daily_side_country_counts: how many articles each side and outlet country contributed to each
-- digest (topic and logical_date). A digest reads a window of max_age_days, so one article can
-- count under several consecutive digest days; for articles per publication day, count distinct
-- links by CAST(published_at AS DATE) in enriched_articles (as the topic chart does).
--
-- Answers: "how much did Chinese vs Hong Kong outlets publish on us-china each day, and how much
-- of it reached the page?"
--
-- Columns
--   topic, logical_date   the topic-day
--   side                  country-true side id, 'international' or 'unknown'
--   country               outlet country (ISO-3166 alpha-2), NULL when unknown
--   articles              articles fetched and classified, duplicates included
--   unique_articles       articles left after dedupe (what selection chooses from)
--   duplicates            articles dropped as copies
--   selected              articles listed on the page
CREATE OR REPLACE VIEW daily_side_country_counts AS
SELECT
    p.topic,
    p.logical_date,
    p.perspective AS side,
    p.country,
    count(*) AS articles,
    count(*) FILTER (WHERE d.article_id IS NULL) AS unique_articles,
    count(d.article_id) AS duplicates,
    count(s.article_id) AS selected
FROM article_perspectives p
LEFT JOIN duplicates d USING (topic, logical_date, article_id)
LEFT JOIN page_articles s USING (topic, logical_date, article_id)
GROUP BY ALL;
