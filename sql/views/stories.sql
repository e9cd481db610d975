-- stories: every story of a topic, followed across days: one row per topic and story.
--
-- Answers: "how long did this story run, which sides, countries, outlets and languages covered
-- it, and how many articles did it have each day?" The stories stage gives an article the id
-- of the earlier story it continues, whatever its language, so a story keeps its id while it
-- runs. Each feed item is counted once (its link), even when several digest days read it.
CREATE OR REPLACE VIEW stories AS
WITH members AS (
    SELECT c.topic, c.story_id, c.logical_date, coalesce(a.link, a.article_id) AS item,
           a.language, p.country, coalesce(p.outlet_name, a.source_name) AS outlet
    FROM story_clusters c
    JOIN articles a USING (topic, logical_date, article_id)
    LEFT JOIN article_perspectives p USING (topic, logical_date, article_id)
    WHERE c.story_id IS NOT NULL
), per_day AS (
    SELECT topic, story_id, logical_date, count(DISTINCT item) AS articles
    FROM members
    GROUP BY ALL
), days AS (
    SELECT topic, story_id,
           list({'day': logical_date, 'articles': articles} ORDER BY logical_date) AS by_day
    FROM per_day
    GROUP BY ALL
), coverage AS (
    SELECT topic, story_id,
           min(first_seen) AS first_seen,
           max(logical_date) AS last_seen,
           count(*) AS days_seen,
           list_sort(list_distinct(flatten(list(sides)))) AS sides,
           arg_min(headline, logical_date) AS headline
    FROM day_stories
    GROUP BY ALL
)
SELECT c.topic, c.story_id, c.headline, c.first_seen, c.last_seen, c.days_seen, c.sides,
       list_sort(list_distinct(list(m.country) FILTER (WHERE m.country IS NOT NULL)))
           AS countries,
       list_sort(list_distinct(list(m.outlet))) AS outlets,
       list_sort(list_distinct(list(m.language) FILTER (WHERE m.language IS NOT NULL)))
           AS languages,
       count(DISTINCT m.item) AS articles,
       any_value(d.by_day) AS articles_by_day
FROM coverage c
JOIN members m USING (topic, story_id)
JOIN days d USING (topic, story_id)
GROUP BY c.topic, c.story_id, c.headline, c.first_seen, c.last_seen, c.days_seen, c.sides;

COMMENT ON VIEW stories IS 'Every story of a topic followed across days (its id stays while it continues, in any language): when it ran, who covered it, and its articles per day.';
COMMENT ON COLUMN stories.topic IS 'topic id';
COMMENT ON COLUMN stories.story_id IS 'the story (story_clusters.story_id, day_stories.story_id)';
COMMENT ON COLUMN stories.headline IS 'one of its titles on its first day';
COMMENT ON COLUMN stories.first_seen IS 'the first digest day it was seen';
COMMENT ON COLUMN stories.last_seen IS 'the last digest day it was seen';
COMMENT ON COLUMN stories.days_seen IS 'digest days it was seen on';
COMMENT ON COLUMN stories.sides IS 'sides whose outlets covered it with an on-topic article, on any day';
COMMENT ON COLUMN stories.countries IS 'countries of the outlets that carried it (known ones)';
COMMENT ON COLUMN stories.outlets IS 'outlets that carried it';
COMMENT ON COLUMN stories.languages IS 'languages of its articles';
COMMENT ON COLUMN stories.articles IS 'distinct articles (feed items) over all its days';
COMMENT ON COLUMN stories.articles_by_day IS 'per digest day, its distinct articles in that day''s window';
