-- blindspots: stories on a page that only one side's press covered, one row per topic, day
-- and story: the side that covered it, the sides that did not, the page's article numbers.
--
-- Answers: "what did one side's press report that the other's did not?" A story is one side's
-- alone only when no article of another side in the day's window reports it, or may report it
-- (day_stories.loose_sides), in any language; as on the page, a story of one article listed
-- once is not counted. The page lists the same stories under "Covered by one side only".
CREATE OR REPLACE VIEW blindspots AS
WITH listed AS (
    SELECT c.topic, c.logical_date, c.story_id, s.number, s.side
    FROM story_clusters c
    JOIN selections s USING (topic, logical_date, article_id)
), topic_sides AS (
    SELECT DISTINCT topic, side FROM selections WHERE side <> 'international'
), alone AS (
    SELECT d.topic, d.logical_date, d.story_id, d.headline, d.sides[1] AS covered_by,
           d.articles, list(l.number ORDER BY l.number) AS numbers
    FROM day_stories d
    JOIN listed l
        ON l.topic = d.topic AND l.logical_date = d.logical_date AND l.story_id = d.story_id
       AND l.side = d.sides[1]
    WHERE len(d.sides) = 1 AND list_has_all(d.sides, d.loose_sides)
    GROUP BY ALL
)
SELECT a.topic, a.logical_date, a.story_id, a.headline, a.covered_by,
       list(t.side ORDER BY t.side) AS missed_by, a.numbers, a.articles
FROM alone a
JOIN topic_sides t ON t.topic = a.topic AND t.side <> a.covered_by
WHERE a.articles > 1 OR len(a.numbers) > 1
GROUP BY ALL;

COMMENT ON VIEW blindspots IS 'Stories on a page that only one side''s press covered (no article of another side in the window reports or may report it, in any language): the page''s "Covered by one side only".';
COMMENT ON COLUMN blindspots.topic IS 'topic id';
COMMENT ON COLUMN blindspots.logical_date IS 'the page''s digest day';
COMMENT ON COLUMN blindspots.story_id IS 'the story (see the stories view)';
COMMENT ON COLUMN blindspots.headline IS 'one of its titles';
COMMENT ON COLUMN blindspots.covered_by IS 'the only side whose press covered it';
COMMENT ON COLUMN blindspots.missed_by IS 'the topic''s other sides, whose press did not';
COMMENT ON COLUMN blindspots.numbers IS 'its articles'' numbers on the page';
COMMENT ON COLUMN blindspots.articles IS 'its in-window articles that day (all sides, copies included)';
