-- enriched_articles: every fetched article of every topic-day with what the pipeline decided
-- about it, one row per article (the table analysts start from).
--
-- Answers: "which outlet/country/side was this article, was it dropped as a duplicate, did it
-- make the page and as which number?"
--
-- Columns
--   topic, logical_date, article_id   key (same as the articles table)
--   run_id                            run that fetched/parsed the article
--   title, link, published_at         as parsed (title without " - Outlet")
--   source_name, source_domain        outlet as Google News names it, publisher domain
--   feed_perspective                  side of the search feed that returned it (the old system's "side")
--   language, region                  the feed's language and region
--   side                              country-true side: a side id, 'international' or 'unknown'
--                                     (NULL when the day was not classified)
--   country                           ISO-3166 alpha-2 of the outlet, NULL when unknown
--   outlet_name, outlet_kind          registry outlet and kind (outlet / aggregator / platform / unknown)
--   ownership                         state | public | private | unknown
--   classify_method, confidence       how the country was decided (domain, name, cctld, llm, none)
--   is_duplicate                      true when dedupe dropped it as a copy of another article
--   duplicate_of, duplicate_method    the article kept instead, and how the copy was detected
--   is_selected                       true when it is listed on the day's page
--   number, rank_in_side              its number in the page's Sources list, rank within its side
CREATE OR REPLACE VIEW enriched_articles AS
SELECT
    a.topic,
    a.logical_date,
    a.article_id,
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
    s.article_id IS NOT NULL AS is_selected,
    s.number,
    s.rank_in_side
FROM articles a
LEFT JOIN article_perspectives p USING (topic, logical_date, article_id)
LEFT JOIN duplicates d USING (topic, logical_date, article_id)
LEFT JOIN page_articles s USING (topic, logical_date, article_id);
