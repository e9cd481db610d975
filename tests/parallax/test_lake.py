"""The lake backend's storage (parallax/storage/lake.py) on a SQLite catalog: no server needed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from parallax import storage
from parallax.records import RunRef
from parallax.storage import lake, shards
from parallax.storage.ledger import finish_run, start_run

DAY = dt.date(2026, 2, 7)


@pytest.fixture
def sqlite_lake(tmp_path: Path) -> str:
    storage.configure(lake_data_path=str(tmp_path / "files") + "/")
    return f"ducklake:sqlite:{tmp_path / 'catalog.sqlite'}"


def test_migrations_lose_their_keys_on_the_lake_and_nothing_else():
    sql = (
        "CREATE TABLE a (id VARCHAR PRIMARY KEY, b INT NOT NULL);\n"
        "CREATE TABLE c (t VARCHAR, d DATE, x INT,\n    PRIMARY KEY (t, d)\n);"
    )
    assert lake.lake_sql(sql) == (
        "CREATE TABLE a (id VARCHAR, b INT NOT NULL);\nCREATE TABLE c (t VARCHAR, d DATE, x INT\n);"
    )


def test_fixed_size_arrays_and_boolean_defaults_become_what_the_lake_stores():
    sql = (
        "CREATE TABLE e (k VARCHAR NOT NULL, vector FLOAT[384] NOT NULL);\n"
        "ALTER TABLE s ADD COLUMN IF NOT EXISTS continuing BOOLEAN DEFAULT false;"
    )
    assert lake.lake_sql(sql) == (
        "CREATE TABLE e (k VARCHAR NOT NULL, vector FLOAT[] NOT NULL);\n"
        "ALTER TABLE s ADD COLUMN IF NOT EXISTS continuing BOOLEAN DEFAULT 'false';"
    )


def test_view_column_comments_are_left_out_on_the_lake():
    sql = (
        "CREATE OR REPLACE VIEW v AS SELECT 1 AS a;\n"
        "COMMENT ON VIEW v IS 'what v answers';\n"
        "COMMENT ON COLUMN v.a IS 'it''s a; column';\n"
    )
    assert lake.lake_view_sql(sql) == (
        "CREATE OR REPLACE VIEW v AS SELECT 1 AS a;\nCOMMENT ON VIEW v IS 'what v answers';\n\n"
    )


def test_a_lake_url_is_shown_without_its_password():
    url = "ducklake:postgres:dbname=p host=db user=u password=s3cret"
    assert lake.redact(url) == "ducklake:postgres:dbname=p host=db user=u password=***"
    with pytest.raises(lake.LakeError, match="unsupported lake catalog 'mysql'"):
        lake.open_lake("ducklake:mysql:db=x")


def test_a_conflict_is_retried_and_another_error_is_not():
    calls = []

    def conflicting() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise duckdb.TransactionException(
                "Failed to commit: Failed to commit DuckLake transaction. Transaction conflict"
            )
        return "written"

    assert lake.retry_conflicts(conflicting, "test") == "written" and len(calls) == 3
    with pytest.raises(duckdb.CatalogException):
        lake.retry_conflicts(lambda: (_ for _ in ()).throw(duckdb.CatalogException("no")), "t")


def test_a_scratch_days_runs_go_into_a_sqlite_lake_once(sqlite_lake: str, tmp_path: Path):
    with storage.connect(sqlite_lake) as con:
        assert "001_init" in storage.migrate(con)
        assert storage.migrate(con) == []  # recorded: the second time does nothing
    scratch = tmp_path / "scratch.duckdb"
    with storage.connect(sqlite_lake) as con:
        shards.seed_shard(con, scratch, [("us-china", DAY)], 5)
    run = RunRef.new("us-china", DAY, "daily")
    start_run(scratch, run, "extractive")
    with storage.connect(scratch) as con:
        con.execute(
            "INSERT INTO selection_shortfalls (topic, logical_date, side, run_id, quota, "
            "available, selected, shortfall) VALUES ('us-china', ?, 'us', ?, 10, 4, 4, 6)",
            [DAY, run.run_id],
        )
    finish_run(scratch, run, "succeeded", {})
    for _ in range(2):  # merged twice: the second adds nothing
        shards.merge_days(sqlite_lake, scratch, [("us-china", DAY)], f"daily run {run.run_id}")
    with storage.connect(sqlite_lake, read_only=True) as con:
        assert con.execute("SELECT run_id, status FROM runs").fetchall() == [
            (run.run_id, "succeeded")
        ]
        assert con.execute("SELECT count(*) FROM selection_shortfalls").fetchall() == [(1,)]
        messages = [m for (m,) in con.execute(
            "SELECT commit_message FROM lake.snapshots() WHERE commit_message IS NOT NULL"
        ).fetchall()]  # fmt: skip
    assert messages == [f"daily run {run.run_id}"]  # one snapshot: the second merge wrote nothing
