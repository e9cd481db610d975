import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from parallax import storage
from tests.support.processes import holding_database

DAY = dt.date(2026, 2, 7)


def _dupes(*ids: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"article_id": list(ids), "kept_article_id": "k", "method": "guid", "score": 1.0}
    )


def test_migrate_is_recorded_and_a_no_op_the_second_time(con):
    assert storage.migrate(con) == []
    applied = con.execute("SELECT name FROM schema_migrations ORDER BY version").fetchall()
    assert applied[0] == ("001_init",)


def test_changed_migration_is_refused(tmp_path: Path):
    mig = tmp_path / "mig"
    mig.mkdir()
    (mig / "001_a.sql").write_text("CREATE TABLE t (x INTEGER);")
    with storage.connect(tmp_path / "db.duckdb") as con:
        assert storage.migrate(con, mig) == ["001_a"]
        (mig / "001_a.sql").write_text("CREATE TABLE t (x INTEGER, y INTEGER);")
        with pytest.raises(storage.MigrationError, match="changed after it was applied"):
            storage.migrate(con, mig)


def test_bad_migration_name_is_refused(tmp_path: Path):
    (tmp_path / "init.sql").write_text("SELECT 1;")
    with pytest.raises(storage.MigrationError, match=r"NNN_name\.sql"):
        storage.migration_files(tmp_path)


def test_replace_day_replaces_only_that_day(con):
    storage.replace_day(con, "duplicates", "t", DAY, "run1", _dupes("a", "b", "c"))
    storage.replace_day(con, "duplicates", "t", DAY + dt.timedelta(1), "run1", _dupes("z"))
    storage.replace_day(con, "duplicates", "t", DAY, "run2", _dupes("a"))
    rows = con.execute(
        "SELECT logical_date, article_id, run_id FROM duplicates ORDER BY 1"
    ).fetchall()
    assert rows == [(DAY, "a", "run2"), (DAY + dt.timedelta(1), "z", "run1")]


def test_replace_day_refuses_other_tables_and_missing_columns(con):
    with pytest.raises(ValueError, match="not a day-partitioned"):
        storage.replace_day(con, "runs", "t", DAY, "r", _dupes("a"))
    with pytest.raises(ValueError, match="lack columns"):
        storage.replace_day(con, "duplicates", "t", DAY, "r", pd.DataFrame({"article_id": ["a"]}))


def test_failed_replace_keeps_previous_rows(con):
    storage.replace_day(con, "duplicates", "t", DAY, "run1", _dupes("a"))
    bad = _dupes("x", "x")  # duplicate key: the insert fails after the delete
    with pytest.raises(duckdb.ConstraintException):
        storage.replace_day(con, "duplicates", "t", DAY, "run2", bad)
    assert con.execute("SELECT article_id, run_id FROM duplicates").fetchall() == [("a", "run1")]


def test_replace_days_is_one_transaction(con):
    storage.replace_day(con, "duplicates", "t", DAY, "run1", _dupes("a"))
    shortfalls = pd.DataFrame(
        {
            "side": ["s", "s"],
            "quota": 1,
            "available": 0,
            "selected": 0,
            "shortfall": 1,
            "off_topic": 0,
            "outlet_capped": 0,
        }
    )  # one side twice: the second table's insert fails after the first was replaced
    with pytest.raises(duckdb.ConstraintException):
        storage.replace_days(
            con,
            "t",
            DAY,
            "run2",
            {"duplicates": _dupes("b"), "selection_shortfalls": shortfalls},
        )
    assert con.execute("SELECT article_id, run_id FROM duplicates").fetchall() == [("a", "run1")]
    assert con.execute("SELECT count(*) FROM selection_shortfalls").fetchall() == [(0,)]


def test_file_held_by_another_process_is_a_clear_error(tmp_path: Path, monkeypatch):
    path = tmp_path / "held.duckdb"
    with holding_database(path):
        monkeypatch.setattr(storage.connection, "LOCK_WAIT_S", 0.3)
        with (
            pytest.raises(storage.DatabaseBusyError, match="in use by another process"),
            storage.connect(path),
        ):
            pass


def test_one_run_at_a_time_and_dead_runs_are_abandoned(db_path: Path):
    from parallax.storage.ledger import RunInProgressError, RunRef, exclusive_run, start_run

    start_run(db_path, RunRef.new("t", DAY), "extractive")  # a run whose process then died
    with exclusive_run(db_path):
        with (
            pytest.raises(RunInProgressError, match="another Parallax run is using"),
            exclusive_run(db_path, wait_s=0.2),
        ):
            pass
        with storage.connect(db_path) as con:
            assert con.execute("SELECT status FROM runs").fetchall() == [("abandoned",)]
    with exclusive_run(db_path):  # released
        pass


def test_keep_open_reuses_one_connection_and_the_validator_merge_upserts(db_path):
    with storage.keep_open(db_path):
        with storage.connect(db_path) as a:
            storage.migrate(a)
        with storage.connect(db_path) as b:
            assert a is b
            row = {"url": "u", "topic": "t", "feed_index": 0, "etag": "1", "last_modified": None,
                   "fetch_id": "f1", "updated_at": storage.utcnow()}  # fmt: skip
            b.execute(storage.query("feed_validator_merge"), row)
            b.execute(storage.query("feed_validator_merge"), {**row, "etag": "2"})
    with duckdb.connect(str(db_path), read_only=True) as con:  # closed: others can open it
        assert con.execute("SELECT url, etag FROM feed_validators").fetchall() == [("u", "2")]


def test_a_stage_cannot_save_a_table_another_stage_owns(db_path: Path):
    from parallax.records import RunRef

    run = RunRef.new("us-china", DAY, "daily")
    with storage.connect(db_path) as con:
        storage.migrate(con)
    frame = pd.DataFrame({"article_id": ["a1"], "side": ["us"], "number": [1]})
    with pytest.raises(
        storage.NotTheOwnerError, match="'summarize' does not own \\['selections'\\]"
    ):
        storage.save_day(db_path, run, "summarize", {"selections": frame})
    with storage.connect(db_path) as con:
        assert con.execute("SELECT count(*) FROM selections").fetchall() == [(0,)]


def test_every_table_has_exactly_one_declared_writer(con):
    from parallax.storage.days import OTHER_WRITERS

    tables = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main'"
        ).fetchall()
    }
    declared = [
        t for owned in (*storage.TABLE_OWNERS.values(), *OTHER_WRITERS.values()) for t in owned
    ]
    assert sorted(declared) == sorted(set(declared)), "a table with two writers"
    assert set(declared) == tables
