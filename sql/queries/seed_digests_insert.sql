-- Imported pages, one row each, from the Arrow table _seed_digests (replacement scan).
INSERT INTO seed_digests
SELECT topic, digest_date, import_id, source_file, format, title, generated_at, topic_name,
       sources, article_count, article_count_listed, CAST(perspectives AS JSON),
       CAST(perspective_counts AS JSON), draft, highlights, CAST(perspective_bullets AS JSON),
       summary_paragraphs, CAST(perspective_paragraphs AS JSON), key_differences,
       perspective_basis, imported_at
FROM _seed_digests
