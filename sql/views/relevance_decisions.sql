-- relevance_decisions: every judged article of every topic-day, with how much it is about its
-- topic and why (one row per article the relevance stage judged).
--
-- Answers: "why did this headline (not) reach the page?" and "how often is each side's press
-- off-topic, and by which method was it judged?"
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

COMMENT ON VIEW relevance_decisions IS 'Every article the relevance stage judged, per topic-day: its score, decision, method and evidence, and whether it reached the page.';
COMMENT ON COLUMN relevance_decisions.topic IS 'topic id';
COMMENT ON COLUMN relevance_decisions.logical_date IS 'the digest day';
COMMENT ON COLUMN relevance_decisions.article_id IS 'the feed item (key with topic and logical_date, as in articles)';
COMMENT ON COLUMN relevance_decisions.title IS 'the headline as the feed gave it';
COMMENT ON COLUMN relevance_decisions.source_name IS 'the outlet as the feed named it';
COMMENT ON COLUMN relevance_decisions.side IS 'the outlet''s side, or international / unknown';
COMMENT ON COLUMN relevance_decisions.country IS 'the outlet''s country (NULL when unknown)';
COMMENT ON COLUMN relevance_decisions.score IS '0..1: how likely the article is about the topic';
COMMENT ON COLUMN relevance_decisions.on_topic IS 'the decision: only on-topic articles can reach a page';
COMMENT ON COLUMN relevance_decisions.method IS 'local:<lexicon>.<weights> or llm:<model>';
COMMENT ON COLUMN relevance_decisions.evidence IS 'why, in words: the countries and subjects it names, or the model''s reason';
COMMENT ON COLUMN relevance_decisions.reused IS 'the judgement was taken from an earlier one of the same title and side';
COMMENT ON COLUMN relevance_decisions.fallback IS 'why a configured model did not judge it (NULL when it did, or none is set)';
COMMENT ON COLUMN relevance_decisions.is_duplicate IS 'dedupe dropped it as a copy of another article';
COMMENT ON COLUMN relevance_decisions.is_listed IS 'it is listed on the day''s page';
