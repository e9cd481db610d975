-- The stored body of one raw fetch, by its primary key. $1 fetch_id.
SELECT body FROM raw_fetches WHERE fetch_id = $1
