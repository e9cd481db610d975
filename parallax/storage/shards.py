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
from collections.abc import Iterable
from pathlib import Path

import duckdb

from parallax.storage.connection import connect, query, transaction
from parallax.storage.days import DAY_TABLES
from parallax.storage.schema import migrate

log = logging.getLogger("parallax.shards")

# Tables a run writes, by how a shard's rows go back into the database. A test checks that
# every table of the schema is listed here or in NOT_MERGED, so a new table cannot be left out.
# DAY_TABLES are replaced per (topic, day) of the shard's scope.
RUN_TABLES = ("stage_runs", "raw_fetches", "llm_calls")  # rows of the shard's new runs
NOT_MERGED = ("schema_migrations", "schema_views", "seed_digests", "seed_articles")
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
    con.execute(query("shard_attach"), [str(shard)])
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
    con.execute(query("shard_attach_read_only"), [str(shard)])
    try:
        with transaction(con):
            con.execute(query("shard_runs_new"))
            (runs,) = con.execute(query("shard_runs_count")).fetchall()[0]
            for table in DAY_TABLES:
                con.execute(query("shard_merge_day_delete", table=table))
                con.execute(query("shard_merge_day_insert", table=table))
            for table in ("runs", *RUN_TABLES):
                con.execute(query("shard_merge_run_rows", table=table))
            con.execute(query("shard_merge_outlets"))
            con.execute(query("shard_merge_outlet_classifications"))
            con.execute(query("shard_merge_validators"))
            con.execute(query("shard_merge_embeddings"))
            con.execute(query("shard_runs_drop"))
    finally:
        con.execute(query("shard_detach"))
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
