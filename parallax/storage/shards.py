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

from parallax import storage

log = logging.getLogger("parallax.shards")

# Tables a run writes, by how a shard's rows go back into the database. A test checks that
# every table of the schema is listed here or in NOT_MERGED, so a new table cannot be left out.
DAY_TABLES = storage.DAY_TABLES  # replaced per (topic, day) of the shard's scope
RUN_TABLES = ("stage_runs", "raw_fetches", "llm_calls")  # rows of the shard's new runs
NOT_MERGED = ("schema_migrations", "schema_views", "seed_digests", "seed_articles")
# runs, outlets, outlet_classifications and feed_validators have their own rules below.

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
        storage.migrate(shard_con)
        shard_con.execute(f"CREATE TABLE {SCOPE} (topic VARCHAR NOT NULL, logical_date DATE)")
        shard_con.executemany(f"INSERT INTO {SCOPE} VALUES (?, ?)", [list(p) for p in scope])
    topics = sorted({topic for topic, _ in scope})
    first = min(day for _, day in scope) - dt.timedelta(days=context_days)
    last = max(day for _, day in scope)
    in_range = "topic IN (SELECT unnest($topics)) AND logical_date BETWEEN $first AND $last"
    params = {"topics": topics, "first": first, "last": last}
    con.execute(f"ATTACH '{_quoted(shard)}' AS shard")
    try:
        with storage.transaction(con):
            for table in (*DAY_TABLES, "runs", "raw_fetches"):
                con.execute(
                    f"INSERT INTO shard.{table} BY NAME SELECT * FROM {table} WHERE {in_range}",
                    params,
                )
            # The answers a 304 would reuse, and the validators that name them.
            con.execute(
                "INSERT INTO shard.feed_validators BY NAME SELECT * FROM feed_validators "
                "WHERE topic IN (SELECT unnest($topics))",
                {"topics": topics},
            )
            con.execute(
                "INSERT INTO shard.raw_fetches BY NAME SELECT * FROM raw_fetches r "
                "WHERE fetch_id IN (SELECT fetch_id FROM shard.feed_validators) "
                "AND fetch_id NOT IN (SELECT fetch_id FROM shard.raw_fetches)"
            )
            # The model-answer cache: the first good answer per request, for the seeded runs'
            # requests (a forced re-run asks the same) and for outlets (any topic's).
            con.execute(
                "INSERT INTO shard.llm_calls BY NAME SELECT * FROM llm_calls "
                "WHERE NOT cache_hit AND error IS NULL AND raw_response IS NOT NULL "
                "AND (run_id IN (SELECT run_id FROM shard.runs) OR purpose = 'classify-outlet') "
                "QUALIFY row_number() OVER (PARTITION BY request_key ORDER BY created_at) = 1"
            )
    finally:
        con.execute("DETACH shard")


def merge_shard(con: duckdb.DuckDBPyConnection, shard: Path) -> int:
    """Copy what the shard's runs wrote into the database (one transaction); returns the
    number of runs merged. The shard file is left for the caller to delete."""
    con.execute(f"ATTACH '{_quoted(shard)}' AS shard (READ_ONLY)")
    try:
        with storage.transaction(con):
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _shard_runs AS SELECT run_id FROM shard.runs "
                "WHERE run_id NOT IN (SELECT run_id FROM runs)"
            )
            (runs,) = con.execute("SELECT count(*) FROM _shard_runs").fetchall()[0]
            for table in DAY_TABLES:
                con.execute(
                    f"DELETE FROM {table} USING shard.{SCOPE} s "
                    f"WHERE {table}.topic = s.topic AND {table}.logical_date = s.logical_date"
                )
                con.execute(
                    f"INSERT INTO {table} BY NAME SELECT t.* FROM shard.{table} t "
                    f"JOIN shard.{SCOPE} s USING (topic, logical_date)"
                )
            for table in ("runs", *RUN_TABLES):
                con.execute(
                    f"INSERT INTO {table} BY NAME SELECT * FROM shard.{table} "
                    "WHERE run_id IN (SELECT run_id FROM _shard_runs)"
                )
            _merge_outlets(con)
            _merge_validators(con)
            con.execute("DROP TABLE _shard_runs")
    finally:
        con.execute("DETACH shard")
    return int(runs)


def _merge_outlets(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT INTO outlets BY NAME SELECT * FROM shard.outlets s WHERE NOT EXISTS ("
        "SELECT 1 FROM outlets o WHERE o.registry_version = s.registry_version "
        "AND o.name = s.name)"
    )
    con.execute(
        """
        MERGE INTO outlet_classifications AS t
        USING (SELECT * FROM shard.outlet_classifications
               WHERE last_run_id IN (SELECT run_id FROM _shard_runs)) AS s
        ON t.source_name = s.source_name AND t.source_domain = s.source_domain
           AND t.registry_version = s.registry_version
        WHEN MATCHED THEN UPDATE SET
            country = s.country, kind = s.kind, outlet_name = s.outlet_name,
            ownership = s.ownership, method = s.method, confidence = s.confidence,
            evidence = s.evidence, articles = s.articles,
            first_seen = least(t.first_seen, s.first_seen),
            last_seen = greatest(t.last_seen, s.last_seen),
            last_run_id = CASE WHEN s.last_seen >= t.last_seen THEN s.last_run_id
                               ELSE t.last_run_id END
        WHEN NOT MATCHED THEN INSERT BY NAME
        """
    )


def _merge_validators(con: duckdb.DuckDBPyConnection) -> None:
    """Validators the shard's runs saved replace the database's for the same URL."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _shard_validators AS SELECT * FROM shard.feed_validators "
        "WHERE fetch_id IN (SELECT fetch_id FROM shard.raw_fetches "
        "WHERE run_id IN (SELECT run_id FROM _shard_runs))"
    )
    con.execute("DELETE FROM feed_validators WHERE url IN (SELECT url FROM _shard_validators)")
    con.execute("INSERT INTO feed_validators BY NAME SELECT * FROM _shard_validators")
    con.execute("DROP TABLE _shard_validators")


def merge_and_remove(db: Path, shard: Path) -> int:
    """`merge_shard`, then delete the shard (and its WAL); returns the runs merged."""
    with storage.connect(db) as con:
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


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
