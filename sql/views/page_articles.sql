-- page_articles: the articles each published page lists, one row per listed article, in page
-- order.
--
-- Answers: "what did the page of this topic-day show, as which number?" It is the select
-- stage's `selections` less the articles a model summarizer judged off-topic (listed in
-- `summaries.off_topic`), numbered as the page numbers them.
--
-- Columns
--   topic, logical_date, article_id   key (same as the articles table)
--   run_id                            run that selected it
--   side                              the side it is listed under, or 'international'
--   number                            its number in the page's Sources list
--   rank_in_side                      its rank within its side
CREATE OR REPLACE VIEW page_articles AS
SELECT
    s.topic,
    s.logical_date,
    s.article_id,
    s.run_id,
    s.side,
    CAST(row_number() OVER (PARTITION BY s.topic, s.logical_date ORDER BY s.number) AS INTEGER)
        AS number,
    CAST(row_number() OVER (PARTITION BY s.topic, s.logical_date, s.side ORDER BY s.number)
        AS INTEGER) AS rank_in_side
FROM selections s
LEFT JOIN summaries m USING (topic, logical_date)
WHERE m.off_topic IS NULL
   OR NOT list_contains(CAST(m.off_topic AS VARCHAR[]), s.article_id);
