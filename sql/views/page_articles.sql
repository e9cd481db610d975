-- page_articles: the articles each published page lists, one row per listed article, in page
-- order.
--
-- Answers: "what did the page of this topic-day show, as which number, and was it new?" The
-- select stage chooses on-topic articles only; this is its choice, with the page's numbers.
--
-- Columns
--   topic, logical_date, article_id   key (same as the articles table)
--   run_id                            run that selected it
--   side                              the side it is listed under, or 'international'
--   number                            its number in the page's Sources list
--   rank_in_side                      its rank within its side
--   continuing                        already on one of the previous days' pages (taken only
--                                     because its side had nothing fresher)
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
