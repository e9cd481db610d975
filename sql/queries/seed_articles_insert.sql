-- The sources listed on imported pages, from the Arrow table _seed_articles (replacement scan).
INSERT INTO seed_articles
SELECT topic, digest_date, position, import_id, feed_perspective, perspective_basis, locale,
       title, link, source_name, published_date
FROM _seed_articles
