-- outlet_leaderboard: the outlets of each topic ranked by how often they reach the page.
--
-- Answers: "which outlets dominate the us-china pages, from which country, state-owned or not?"
-- Duplicates are left out (a dropped copy is not the outlet's contribution).
-- Aggregated per day first, then per outlet: two small GROUP BYs beat one wide one on 1M rows.
--
-- Columns
--   topic                  topic id
--   outlet                 registry outlet name, else the name Google News gave
--   country                outlet country (ISO-3166 alpha-2), NULL when unknown   } as classified
--   side                   country-true side ('international' / 'unknown')       } on the outlet's
--   ownership              state | public | private | unknown                     } latest day
--   articles               unique articles fetched from the outlet
--   selected               of them listed on a page
--   selected_share         selected / articles
--   days_seen              topic-days the outlet had at least one article
--   first_day, last_day    first and last such day
--   rank                   1 = most selected in the topic (ties by articles, then name)
CREATE OR REPLACE VIEW outlet_leaderboard AS
WITH unique_articles AS (
    SELECT
        topic,
        logical_date,
        article_id,
        coalesce(p.outlet_name, a.source_name, '(no name)') AS outlet,
        p.country,
        p.perspective AS side,
        p.ownership
    FROM article_perspectives p
    LEFT JOIN articles a USING (topic, logical_date, article_id)
    ANTI JOIN duplicates d USING (topic, logical_date, article_id)
),
per_day AS (
    SELECT
        u.topic,
        u.logical_date,
        u.outlet,
        u.country,
        u.side,
        u.ownership,
        count(*) AS articles,
        count(s.article_id) AS selected
    FROM unique_articles u
    LEFT JOIN page_articles s USING (topic, logical_date, article_id)
    GROUP BY ALL
),
per_outlet AS (
    SELECT
        topic,
        outlet,
        arg_max(country, logical_date) AS country,
        arg_max(side, logical_date) AS side,
        arg_max(ownership, logical_date) AS ownership,
        sum(articles) AS articles,
        sum(selected) AS selected,
        count(DISTINCT logical_date) AS days_seen,
        min(logical_date) AS first_day,
        max(logical_date) AS last_day
    FROM per_day
    GROUP BY topic, outlet
)
SELECT
    topic,
    outlet,
    country,
    side,
    ownership,
    CAST(articles AS BIGINT) AS articles,
    CAST(selected AS BIGINT) AS selected,
    round(selected / articles, 4) AS selected_share,
    days_seen,
    first_day,
    last_day,
    row_number() OVER (PARTITION BY topic ORDER BY selected DESC, articles DESC, outlet) AS rank
FROM per_outlet;
