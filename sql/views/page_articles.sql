-- page_articles: the articles each published page lists, one row per listed article, in page
-- order.
--
-- Answers: "what did the page of this topic-day show, as which number, and was it new?" The
-- select stage chooses on-topic articles only; this is its choice, with the page's numbers.
CREATE OR REPLACE VIEW page_articles AS
SELECT
    s.topic,
    s.logical_date,
    s.article_id,
    s.run_id,
    s.side,
    s.number,
    s.rank_in_side,
    coalesce(s.continuing, false) AS continuing
FROM selections s;

COMMENT ON VIEW page_articles IS 'The articles each published page lists, one row per listed article, in page order: the select stage''s choice (on-topic articles only).';
COMMENT ON COLUMN page_articles.topic IS 'topic id';
COMMENT ON COLUMN page_articles.logical_date IS 'the page''s digest day';
COMMENT ON COLUMN page_articles.article_id IS 'the feed item (key with topic and logical_date, as in articles)';
COMMENT ON COLUMN page_articles.run_id IS 'the run that selected it';
COMMENT ON COLUMN page_articles.side IS 'the side it is listed under, or international';
COMMENT ON COLUMN page_articles.number IS 'its number in the page''s Sources list';
COMMENT ON COLUMN page_articles.rank_in_side IS 'its rank within its side';
COMMENT ON COLUMN page_articles.continuing IS 'already on one of the previous days'' pages, taken only because its side had nothing fresher';
