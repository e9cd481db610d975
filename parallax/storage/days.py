"""Stage tables keyed by topic-day: which stage writes which table, and how a day is replaced.

A re-run of a topic-day replaces that day's rows of a stage's tables as a whole, in one
transaction, so it never duplicates anything and rows a re-run no longer produces disappear.
Every table has one writer: `TABLE_OWNERS` declares it, and `save_day` refuses a stage writing
a table it does not own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from parallax.records import RunRef
from parallax.storage.connection import connect, query, transaction

# Which stage writes which table. Tables not listed are written by the run ledger (runs,
# stage_runs), the model client (llm_calls, any stage that asks a model), the seed import
# (seed_digests, seed_articles) or the schema itself (schema_migrations, schema_views,
# schema_view_columns).
TABLE_OWNERS: Mapping[str, tuple[str, ...]] = {
    "fetch": ("raw_fetches", "feed_validators"),
    "parse": ("articles",),
    "dedupe": ("duplicates",),
    "classify": ("article_perspectives", "outlet_classifications", "outlets"),
    "relevance": ("article_relevance",),
    "stories": ("story_clusters", "day_stories"),
    "select": ("selections", "selection_shortfalls"),
    "summarize": ("summaries", "headline_translations"),
    "publish": ("digests",),
}
OTHER_WRITERS: Mapping[str, tuple[str, ...]] = {
    "ledger": ("runs", "stage_runs"),
    "model client": ("llm_calls",),
    "embedding cache": ("title_embeddings",),
    "seed import": ("seed_digests", "seed_articles"),
    "schema": ("schema_migrations", "schema_views", "schema_view_columns"),
}

# Tables holding one topic-day's derived rows, replaced as a whole when a day is re-run.
DAY_TABLES = (
    "articles",
    "duplicates",
    "story_clusters",
    "article_perspectives",
    "article_relevance",
    "day_stories",
    "selections",
    "selection_shortfalls",
    "summaries",
    "headline_translations",
    "digests",
)


class NotTheOwnerError(ValueError):
    """A stage tried to write a table another stage owns."""


def save_day(db: Path, run: RunRef, stage: str, tables: Mapping[str, pd.DataFrame]) -> None:
    """Replace the run's topic-day rows of these tables by ``stage``'s output, together."""
    foreign = [t for t in tables if t not in TABLE_OWNERS.get(stage, ())]
    if foreign:
        raise NotTheOwnerError(f"stage {stage!r} does not own {foreign}; see TABLE_OWNERS")
    with connect(db) as con:
        replace_days(con, run.topic, run.logical_date, run.run_id, tables)


def replace_day(
    con: duckdb.DuckDBPyConnection,
    table: str,
    topic: str,
    day: dt.date,
    run_id: str,
    rows: pd.DataFrame,
) -> int:
    """Replace one topic-day of a stage table by ``rows`` (the new run's output), atomically."""
    return replace_days(con, topic, day, run_id, {table: rows})[table]


def replace_days(
    con: duckdb.DuckDBPyConnection,
    topic: str,
    day: dt.date,
    run_id: str,
    tables: Mapping[str, pd.DataFrame],
) -> dict[str, int]:
    """`replace_day` for several tables in one transaction (a stage's outputs change together)."""
    columns = {}
    for table, rows in tables.items():
        if table not in DAY_TABLES:
            raise ValueError(f"{table} is not a day-partitioned stage table")
        columns[table] = [
            c for c in _table_columns(con, table) if c not in ("topic", "logical_date", "run_id")
        ]
        missing = [c for c in columns[table] if c not in rows.columns]
        if missing:
            raise ValueError(f"rows for {table} lack columns {missing}")
    # The frames are read in place, by DuckDB's replacement scan of the Python variable named
    # in the query (`_incoming_rows`): copying them with the key columns added, or registering
    # each as a view, cost more than the insert itself.
    with transaction(con):
        for table, _incoming_rows in tables.items():
            con.execute(query("day_delete", table=table), [topic, day])
            con.execute(
                query("day_insert", table=table, columns=columns[table]), [topic, day, run_id]
            )
    return {table: len(rows) for table, rows in tables.items()}


def load_day(con: duckdb.DuckDBPyConnection, table: str, topic: str, day: dt.date) -> pd.DataFrame:
    if table not in DAY_TABLES:
        raise ValueError(f"{table} is not a day-partitioned stage table")
    return con.execute(query("day_select", table=table), [topic, day]).df()


# Day tables' columns are fixed by the migrations (every database this code writes is migrated
# to the same version first), so they are looked up once per process.
_columns_cache: dict[str, list[str]] = {}


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    if table not in _columns_cache:
        _columns_cache[table] = [
            row[0] for row in con.execute(query("table_columns", table=table)).fetchall()
        ]
    return _columns_cache[table]
