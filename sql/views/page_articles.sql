-- page_articles: the articles each published page lists, one row per listed article, in page
-- order.
--
-- Answers: "what did the page of this topic-day show, as which number?" It is the select
-- stage's `selections` less the articles a model summarizer judged off-topic (listed in
-- `summaries.off_topic`), numbered as the page numbers them.
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

COMMENT ON VIEW page_articles IS 'The articles each published page lists, one row per listed article, in page order: select''s choice less what a model summarizer judged off-topic.';
COMMENT ON COLUMN page_articles.topic IS 'topic id';
COMMENT ON COLUMN page_articles.logical_date IS 'the page''s digest day';
COMMENT ON COLUMN page_articles.article_id IS 'the feed item (key with topic and logical_date, as in articles)';
COMMENT ON COLUMN page_articles.run_id IS 'the run that selected it';
COMMENT ON COLUMN page_articles.side IS 'the side it is listed under, or international';
COMMENT ON COLUMN page_articles.number IS 'its number in the page''s Sources list';
COMMENT ON COLUMN page_articles.rank_in_side IS 'its rank within its side';
