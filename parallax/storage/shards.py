"""Backfill shards: DuckDB files that worker processes write, merged back into the database.

DuckDB lets one process write a database file, and one Python process keeps about one core
busy (the GIL). So a multi-process backfill gives each worker process a group of topics and
its own *shard* file: `seed_shard` copies in what those topics' days read (earlier pages,
stored feed answers, cached model answers), the worker runs every stage against the shard,
and `merge_shard` copies the rows the worker wrote back into the database in one transaction.

A shard file is deleted only after its merge commits. A backfill that is killed leaves its
shards in ``<db>.shards/``; the next run of any flow merges them first (`merge_leftovers`),
so a topic-day finished in a shard is never lost. Merging is idempotent: a shard merged twice
(a kill between the commit and the delete) changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from parallax.storage import lake
from parallax.storage.connection import (
    connect,
    first_row,
    literal_query,
    query,
    to_json,
    transaction,
)
from parallax.storage.days import DAY_TABLES
from parallax.storage.schema import migrate

log = logging.getLogger("parallax.shards")

# Tables a run writes, by how a shard's rows go back into the database. A test checks that
# every table of the schema is listed here or in NOT_MERGED, so a new table cannot be left out.
# DAY_TABLES are replaced per (topic, day) of the shard's scope.
RUN_TABLES = ("stage_runs", "raw_fetches", "llm_calls")  # rows of the shard's new runs
NOT_MERGED = (
    "schema_migrations",
    "schema_views",
    "schema_view_columns",
    "seed_digests",
    "seed_articles",
)
# runs, outlets, outlet_classifications, feed_validators and title_embeddings have their own
# rules below.

SCOPE = "shard_scope"  # in a shard: the (topic, day) pairs it was made to run


def shard_dir(db: Path) -> Path:
    return Path(f"{db}.shards")


def shard_paths(db: Path) -> list[Path]:
    """Shard files left in the database's shard folder, oldest name first."""
    folder = shard_dir(db)
    return sorted(folder.glob("*.duckdb")) if folder.is_dir() else []


def seed_shard(
    con: duckdb.DuckDBPyConnection,
    shard: Path,
    scope: Iterable[tuple[str, dt.date]],
    context_days: int,
) -> None:
    """Create ``shard`` with the schema and what the scope's topic-days read.

    ``con`` is a connection to the database. ``scope`` lists the (topic, day) pairs the shard
    will run; ``context_days`` is how far back a day reads earlier days (the pages it avoids
    repeating, the window its counts cover).
    """
    scope = sorted(set(scope))
    if not scope:
        raise ValueError("a shard needs at least one topic-day")
    shard.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(shard)) as shard_con:
        migrate(shard_con)
        shard_con.execute(query("shard_scope_create"))
        shard_con.executemany(query("shard_scope_insert"), [list(p) for p in scope])
    topics = sorted({topic for topic, _ in scope})
    first = min(day for _, day in scope) - dt.timedelta(days=context_days)
    last = max(day for _, day in scope)
    con.execute(literal_query("shard_attach", path=str(shard)))
    try:
        with transaction(con):
            for table in (*DAY_TABLES, "runs", "raw_fetches"):
                con.execute(
                    query("shard_seed_table", table=table),
                    {"topics": topics, "first": first, "last": last},
                )
            con.execute(query("shard_seed_validators"), {"topics": topics})
            con.execute(query("shard_seed_validator_bodies"))
            con.execute(query("shard_seed_model_answers"))
            con.execute(query("shard_seed_embeddings"))
    finally:
        con.execute(query("shard_detach"))


def merge_shard(con: duckdb.DuckDBPyConnection, shard: Path) -> int:
    """Copy what the shard's runs wrote into the database (one transaction); returns the
    number of runs merged. The shard file is left for the caller to delete."""
    con.execute(literal_query("shard_attach_read_only", path=str(shard)))
    try:
        return _merge_attached(con)
    finally:
        con.execute(query("shard_detach"))


def merge_days(
    db: Path, scratch: Path, scope: Sequence[tuple[str, dt.date]], message: str = ""
) -> int:
    """Copy what ``scratch``'s finished runs of the topic-days ``scope`` wrote into ``db`` (a
    lake), as one transaction: one snapshot, named by ``message``; returns the runs merged.

    The rows are read through the scratch file's own connection (a backfill's threads keep it
    open) and handed to the lake's connection as an in-memory "shard", so the merge is the
    same as a shard's. A write conflict with another worker rolls it back whole; it is retried.
    """
    # Arrow, not pandas: an empty pandas frame loses its column types.
    _scope = pa.table(
        {
            "topic": pa.array([topic for topic, _ in scope], pa.string()),
            "logical_date": pa.array([day for _, day in scope], pa.date32()),
        }
    )
    with connect(scratch) as source:
        rows = {SCOPE: _scope}
        for table in (*DAY_TABLES, "runs"):
            rows[table] = source.execute(query("scope_day_rows", table=table)).fetch_arrow_table()
        for table in RUN_TABLES:
            rows[table] = source.execute(query("scope_run_rows", table=table)).fetch_arrow_table()
        rows["title_embeddings"] = source.execute(query("scope_embeddings")).fetch_arrow_table()
        for table in ("outlets", "outlet_classifications", "feed_validators"):
            rows[table] = source.execute(
                query("scope_whole_table", table=table)
            ).fetch_arrow_table()
    with connect(db) as con:
        con.execute(query("shard_attach_memory"))
        try:
            for table, _frame in rows.items():
                con.execute(query("shard_table_from_frame", table=table))
            empty = frozenset(table for table, frame in rows.items() if frame.num_rows == 0)
            return lake.retry_conflicts(
                lambda: _merge_attached(con, message, empty), f"merging {message or 'a run'}"
            )
        finally:
            con.execute(query("shard_detach"))


def _merge_attached(
    con: duckdb.DuckDBPyConnection, message: str = "", empty: frozenset[str] = frozenset()
) -> int:
    """The merge of the database attached as "shard", in one transaction. ``empty`` names
    tables the shard has no rows of: nothing to insert from them."""
    with transaction(con):
        con.execute(query("shard_runs_new"))
        (runs,) = con.execute(query("shard_runs_count")).fetchall()[0]
        if not runs:
            # Merged before: its day rows went in with its runs. Writing them again would change
            # nothing, and on a lake would add an empty snapshot to the history.
            con.execute(query("shard_runs_drop"))
            return 0
        # A lake conflicts on any delete beside another writer's insert: delete only when there
        # is something to replace (a re-run; a stored day always has its run), not for days
        # written the first time.
        rerun = first_row(con, query("shard_merge_days_stored")) is not None
        for table in DAY_TABLES:
            if rerun:
                con.execute(query("shard_merge_day_delete", table=table))
            if table not in empty:
                con.execute(query("shard_merge_day_insert", table=table))
        for table in ("runs", *RUN_TABLES):
            con.execute(query("shard_merge_run_rows", table=table))
        con.execute(query("shard_merge_outlets"))
        con.execute(query("shard_merge_outlet_classifications"))
        con.execute(query("shard_merge_validators"))
        con.execute(query("shard_merge_embeddings"))
        con.execute(query("shard_runs_drop"))
        if message and lake.on_lake(con):
            lake.set_commit_message(con, message, to_json({"runs": int(runs)}))
    return int(runs)


def merge_and_remove(db: Path, shard: Path) -> int:
    """`merge_shard`, then delete the shard (and its WAL); returns the runs merged."""
    with connect(db) as con:
        runs = merge_shard(con, shard)
    for path in (shard, Path(f"{shard}.wal")):
        path.unlink(missing_ok=True)
    return runs


def merge_leftovers(db: Path) -> int:
    """Merge the shards a killed backfill left behind; returns the runs recovered."""
    recovered = 0
    for shard in shard_paths(db):
        runs = merge_and_remove(db, shard)
        recovered += runs
        log.warning(
            "merged %d run(s) from %s, left by a backfill that did not finish", runs, shard.name
        )
    return recovered
