-- In the analysts' copy only: when it was published, from which database, and the latest
-- finished run it holds (how fresh it is). One row.
CREATE OR REPLACE TABLE analyst_copy (
    published_at      TIMESTAMPTZ NOT NULL,
    source_db         VARCHAR NOT NULL,
    last_run_finished TIMESTAMPTZ,
    copy_seconds      DOUBLE NOT NULL
)
