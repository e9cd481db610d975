-- relevance_decisions: every judged article of every topic-day, with how much it is about its
-- topic and why (one row per article the relevance stage judged).
--
-- Answers: "why did this headline (not) reach the page?" and "how often is each side's press
-- off-topic, and by which method was it judged?"
--
-- Columns
--   topic, logical_date, article_id   key (same as the articles table)
--   title, source_name                the headline and its outlet as the feed named it
--   side, country                     the outlet's side ('international', 'unknown') and country
--   score                             0..1: how likely the article is about the topic
--   on_topic                          the decision: only on-topic articles can reach a page
--   method                            'local:<lexicon>.<weights>' or 'llm:<model>'
--   evidence                          why, in words: which countries and subjects it names, the model's reason
--   reused                            the judgement was taken from an earlier one of the same title
--   fallback                          why a configured model did not judge it (NULL when it did, or none is set)
--   is_duplicate                      dedupe dropped it as a copy of another article
--   is_listed                         it is listed on the day's page
CREATE OR REPLACE VIEW relevance_decisions AS
SELECT
    r.topic,
    r.logical_date,
    r.article_id,
    a.title,
    a.source_name,
    r.side,
    p.country,
    r.score,
    r.on_topic,
    r.method,
    r.evidence,
    r.reused,
    r.fallback,
    d.article_id IS NOT NULL AS is_duplicate,
    s.article_id IS NOT NULL AS is_listed
FROM article_relevance r
JOIN articles a USING (topic, logical_date, article_id)
LEFT JOIN article_perspectives p USING (topic, logical_date, article_id)
LEFT JOIN duplicates d USING (topic, logical_date, article_id)
LEFT JOIN page_articles s USING (topic, logical_date, article_id);
