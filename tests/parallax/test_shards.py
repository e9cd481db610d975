"""Backfill shards: seeded with what a topic-day reads, merged back idempotently."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from parallax import storage
from parallax.llm import DuckDBLLMStore, LLMCallRecord
from parallax.storage import shards
from parallax.storage.ledger import RunRef, exclusive_run, finish_run, stage, start_run

DAY = dt.date(2026, 2, 7)
BEFORE = DAY - dt.timedelta(days=1)


def _dupes(*ids: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"article_id": list(ids), "kept_article_id": "k", "method": "guid", "score": 1.0}
    )


def _run_day(db: Path, topic: str, day: dt.date, *ids: str, finish: bool = True) -> RunRef:
    """A run of a topic-day that stores some duplicates rows, a stage row and a model call."""
    run = RunRef.new(topic, day, "backfill")
    start_run(db, run, "extractive")
    with stage(db, run, "dedupe"), storage.connect(db) as con:
        storage.replace_day(con, "duplicates", topic, day, run.run_id, _dupes(*ids))
        DuckDBLLMStore(con).record(
            LLMCallRecord(
                call_id=f"call-{run.run_id}",
                run_id=run.run_id,
                purpose="classify-outlet",
                model="m",
                api_base=None,
                messages=[],
                params={},
                request_key=f"key-{ids[0]}",
                attempt=1,
                raw_response="{}",
            )
        )
    if finish:
        finish_run(db, run, "succeeded", {})
    return run


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    tables = ("runs", "stage_runs", "duplicates", "llm_calls")
    return {t: _rows(db, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}


def test_every_table_has_a_merge_rule(db_path: Path) -> None:
    with storage.connect(db_path) as con:
        storage.migrate(con)
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    ruled = {
        *shards.DAY_TABLES,
        *shards.RUN_TABLES,
        *shards.NOT_MERGED,
        "runs",
        "outlets",
        "outlet_classifications",
        "feed_validators",
        "title_embeddings",
    }
    assert tables == ruled, "a new table needs a rule in parallax/storage/shards.py"


def test_a_shard_is_seeded_with_context_and_merged_back_once(db_path: Path, tmp_path: Path):
    earlier = _run_day(db_path, "a", BEFORE, "x1")  # context: the day before the range
    old = _run_day(db_path, "a", DAY, "old")  # the day the shard re-runs (--force)
    other = _run_day(db_path, "b", DAY, "b1")  # another topic: not the shard's
    shard = tmp_path / "shards" / "s.duckdb"
    with storage.connect(db_path) as con:
        shards.seed_shard(con, shard, [("a", DAY)], context_days=3)
    seeded = _snapshot(shard)
    assert {r[0] for r in seeded["runs"]} == {earlier.run_id, old.run_id}
    # The model-answer cache comes along; other topics' rows do not.
    assert {r[0] for r in seeded["llm_calls"]} == {f"call-{earlier.run_id}", f"call-{old.run_id}",
                                                   f"call-{other.run_id}"}  # fmt: skip
    assert _rows(shard, "SELECT article_id FROM duplicates ORDER BY 1") == [("old",), ("x1",)]

    new = _run_day(shard, "a", DAY, "n1", "n2")  # the worker re-runs the day in the shard
    with storage.connect(db_path) as con:
        assert shards.merge_shard(con, shard) == 1
    merged = _snapshot(db_path)
    day_rows = _rows(
        db_path, "SELECT topic, logical_date, article_id, run_id FROM duplicates ORDER BY ALL"
    )
    assert day_rows == [
        ("a", BEFORE, "x1", earlier.run_id),
        ("a", DAY, "n1", new.run_id),
        ("a", DAY, "n2", new.run_id),
        ("b", DAY, "b1", other.run_id),
    ]
    assert len(merged["runs"]) == 4 and len(merged["stage_runs"]) == 4
    assert len(merged["llm_calls"]) == 4

    with storage.connect(db_path) as con:  # a kill between the merge's commit and the delete
        assert shards.merge_shard(con, shard) == 0
    assert _snapshot(db_path) == merged


def test_a_failed_merge_changes_nothing(db_path: Path, tmp_path: Path):
    _run_day(db_path, "a", BEFORE, "x1")
    shard = tmp_path / "s.duckdb"
    with storage.connect(db_path) as con:
        shards.seed_shard(con, shard, [("a", DAY)], context_days=1)
    _run_day(shard, "a", DAY, "n1")
    with duckdb.connect(str(shard)) as con:  # a row the database cannot take
        con.execute("ALTER TABLE duplicates DROP COLUMN run_id")  # NOT NULL in the database
    before = _snapshot(db_path)
    with storage.connect(db_path) as con:
        try:
            shards.merge_shard(con, shard)
        except duckdb.Error:
            pass
        else:
            raise AssertionError("the merge should have failed")
    assert _snapshot(db_path) == before


def test_shards_left_by_a_killed_backfill_are_merged_by_the_next_run(db_path: Path):
    with storage.connect(db_path) as con:
        storage.migrate(con)
        shard = shards.shard_dir(db_path) / "killed-0.duckdb"
        shards.seed_shard(con, shard, [("a", DAY), ("a", DAY + dt.timedelta(days=1))], 1)
    done = _run_day(shard, "a", DAY, "d1")
    cut = _run_day(shard, "a", DAY + dt.timedelta(days=1), "c1", finish=False)  # killed here
    with exclusive_run(db_path):
        pass
    assert not shard.exists() and shards.shard_paths(db_path) == []
    runs = dict(_rows(db_path, "SELECT run_id, status FROM runs"))
    assert runs == {done.run_id: "succeeded", cut.run_id: "abandoned"}
    assert _rows(db_path, "SELECT article_id FROM duplicates ORDER BY 1") == [("c1",), ("d1",)]
