"""The only module that talks to DuckDB.

Connections are short: a stage opens the file, reads or writes one day's rows in a transaction
and closes it, so an analyst can open the file between runs. Inside one process every access is
serialised by a lock, because DuckDB rejects concurrent upserts of one table and a shared
connection cannot be used from two threads (STACK-NOTES). Our writes are small; the lock costs
nothing measurable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
VIEWS_DIR = SQL_DIR / "views"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_LOCK_WAIT_S = 15.0  # how long to wait for another process to release the file

# Tables holding one day's derived rows, replaced as a whole when a day is re-run.
DAY_TABLES = (
    "articles",
    "duplicates",
    "story_clusters",
    "article_perspectives",
    "selections",
    "selection_shortfalls",
    "summaries",
    "digests",
)

_process_lock = threading.RLock()
_kept_open: dict[str, duckdb.DuckDBPyConnection] = {}  # see keep_open()
_kept_migrated: set[int] = set()  # ids of kept-open connections already migrated


class DatabaseBusyError(RuntimeError):
    """Another process holds the DuckDB file."""


class MigrationError(RuntimeError):
    pass


@contextmanager
def connect(path: Path | str, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database for one short unit of work (serialised within the process)."""
    target = str(path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    with _process_lock:
        kept = _kept_open.get(target)
        if kept is not None:
            yield kept
            return
        con = _open_with_wait(target, read_only)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def keep_open(path: Path | str, threads: int | None = None) -> Iterator[None]:
    """Inside this block every `connect` to ``path`` in this process reuses one connection.

    For long batch jobs (backfills): opening and closing the file costs ≈ 25 ms and a topic-day
    opens it ~20 times, which was 40% of a backfill's time. The price: the file stays locked
    for the whole job (an analyst reads a copy meanwhile, as during any run).

    ``threads`` caps DuckDB's threads. A backfill's queries are small (one topic-day) and its
    days already run in parallel: DuckDB's own worker thread then only added CPU (30 ms per
    topic-day, 12%, measured on 100 topic-days run one after another).
    """
    target = str(path)
    with _process_lock:
        if target in _kept_open:  # nested: the outer block owns it
            yield
            return
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        _kept_open[target] = _open_with_wait(target, read_only=False)
        if threads is not None:
            _kept_open[target].execute(f"SET threads = {int(threads)}")
    try:
        yield
    finally:
        with _process_lock:
            con = _kept_open.pop(target)
            _kept_migrated.discard(id(con))
            con.close()


def _open_with_wait(target: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + _LOCK_WAIT_S
    delay = 0.1
    while True:
        try:
            con = duckdb.connect(target, read_only=read_only)
            # Timestamps come back in the session's zone, which follows the host's TZ: fix it
            # so dates (and so page bytes) never depend on where the pipeline runs.
            con.execute("SET TimeZone = 'UTC'")
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                if "lock" in str(exc).lower():
                    raise DatabaseBusyError(
                        f"{target} is in use by another process ({_holder(exc)}); close it "
                        "(e.g. an open duckdb shell) or query a copy, then re-run"
                    ) from exc
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def first_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query, or None. Never `fetchone()`: it leaves the result open, and
    the next statement on that connection (kept open and shared by a backfill's threads)
    fails with "connection has an unfinished result"."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _holder(exc: Exception) -> str:
    match = re.search(r"\(PID (\d+)\)", str(exc))
    return f"PID {match.group(1)}" if match else "unknown process"


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# --- migrations -------------------------------------------------------------------------


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file name must be NNN_name.sql: {path.name}")
        found.append((int(match.group(1)), path.stem, path))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a number in {directory}")
    return found


def migrate(
    con: duckdb.DuckDBPyConnection,
    directory: Path = MIGRATIONS_DIR,
    views_dir: Path | None = None,
) -> list[str]:
    """Apply migrations not yet recorded in schema_migrations, then the analyst views.

    Returns the names of the migrations applied. Views (``sql/views``, or ``views_dir``; none
    when a custom migrations ``directory`` is given without one) are applied by ``apply_views``.
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
        " name VARCHAR NOT NULL, checksum VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    rows = con.execute("SELECT version, name, checksum FROM schema_migrations").fetchall()
    applied = {version: (name, checksum) for version, name, checksum in rows}
    done = []
    for version, name, path in migration_files(directory):
        sql = path.read_text(encoding="utf-8")
        checksum = hashlib.sha256(sql.encode()).hexdigest()
        if version in applied:
            if applied[version][1] != checksum:
                raise MigrationError(
                    f"migration {name} changed after it was applied; add a new migration instead"
                )
            continue
        with transaction(con):
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?, ?)",
                [version, name, checksum, utcnow()],
            )
        done.append(name)
    if views_dir is None and directory == MIGRATIONS_DIR:
        views_dir = VIEWS_DIR
    if views_dir is not None:
        apply_views(con, views_dir)
    return done


def ensure_migrated(con: duckdb.DuckDBPyConnection) -> None:
    """`migrate`, once per kept-open connection: a backfill's topic-days share one connection,
    and checking every migration and view twice per topic-day cost ≈ 3 ms each time."""
    if id(con) in _kept_migrated:
        return
    migrate(con)
    if any(kept is con for kept in _kept_open.values()):
        _kept_migrated.add(id(con))


def apply_views(con: duckdb.DuckDBPyConnection, directory: Path = VIEWS_DIR) -> list[str]:
    """(Re)create each view of ``directory`` whose file changed since it was applied.

    Views hold no data, so unlike migrations they are kept equal to their files: a changed file
    is applied again (``CREATE OR REPLACE VIEW``), a view whose file is gone is dropped. Each file
    ``<name>.sql`` must create the view ``<name>``. Recorded in schema_views, so a second call
    with unchanged files does nothing. Returns the names (re)created.
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_views (name VARCHAR PRIMARY KEY,"
        " checksum VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    recorded = dict(con.execute("SELECT name, checksum FROM schema_views").fetchall())
    existing = {
        r[0]
        for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    }
    files = {path.stem: path for path in sorted(directory.glob("*.sql"))}
    done = []
    with transaction(con):
        for name in sorted(set(recorded) - set(files)):
            con.execute(f'DROP VIEW IF EXISTS "{name}"')
            con.execute("DELETE FROM schema_views WHERE name = ?", [name])
        for name, path in files.items():
            sql = path.read_text(encoding="utf-8")
            checksum = hashlib.sha256(sql.encode()).hexdigest()
            if recorded.get(name) == checksum and name in existing:
                continue
            con.execute(sql)
            if not con.execute(
                "SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [name]
            ).fetchall()[0][0]:
                raise MigrationError(f"{path.name} must create the view {name!r}")
            con.execute("DELETE FROM schema_views WHERE name = ?", [name])
            con.execute("INSERT INTO schema_views VALUES (?, ?, ?)", [name, checksum, utcnow()])
            done.append(name)
    return done


@cache
def query(name: str) -> str:
    """A named query from sql/queries/<name>.sql."""
    return (SQL_DIR / "queries" / f"{name}.sql").read_text(encoding="utf-8")


# --- helpers ------------------------------------------------------------------------------


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def replace_day(
    con: duckdb.DuckDBPyConnection,
    table: str,
    topic: str,
    day: dt.date,
    run_id: str,
    rows: pd.DataFrame,
) -> int:
    """Replace one topic-day of a stage table by ``rows`` (the new run's output), atomically.

    A day partition is replaced as a whole, not merged row by row, so rows that a re-run no
    longer produces disappear too.
    """
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
    # in the query (`_incoming_rows`): copying them with the key columns added was most of this
    # function's time, and registering each as a view cost two catalog writes per table.
    with transaction(con):
        for table, _incoming_rows in tables.items():
            cols = ", ".join(columns[table])
            con.execute(f"DELETE FROM {table} WHERE topic = ? AND logical_date = ?", [topic, day])
            con.execute(
                f"INSERT INTO {table} (topic, logical_date, run_id, {cols}) "
                f"SELECT ?, ?, ?, {cols} FROM _incoming_rows",
                [topic, day, run_id],
            )
    return {table: len(rows) for table, rows in tables.items()}


def load_day(con: duckdb.DuckDBPyConnection, table: str, topic: str, day: dt.date) -> pd.DataFrame:
    if table not in DAY_TABLES:
        raise ValueError(f"{table} is not a day-partitioned stage table")
    return con.execute(
        f"SELECT * FROM {table} WHERE topic = ? AND logical_date = ?", [topic, day]
    ).df()


# Day tables' columns are fixed by the migrations (every database this code writes is migrated
# to the same version first), so they are looked up once per process.
_columns_cache: dict[str, list[str]] = {}


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    if table not in _columns_cache:
        _columns_cache[table] = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]
    return _columns_cache[table]


def insert_row(con: duckdb.DuckDBPyConnection, table: str, row: Mapping[str, Any]) -> None:
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))


def update_row(
    con: duckdb.DuckDBPyConnection, table: str, key: Mapping[str, Any], values: Mapping[str, Any]
) -> None:
    sets = ", ".join(f"{c} = ?" for c in values)
    where = " AND ".join(f"{c} = ?" for c in key)
    con.execute(f"UPDATE {table} SET {sets} WHERE {where}", [*values.values(), *key.values()])


# --- outlets ----------------------------------------------------------------------------


def snapshot_registry(con: duckdb.DuckDBPyConnection, registry: Any) -> bool:
    """Store the registry under its version once; False when that version is already there."""
    # fetchall, not fetchone: DuckDB keeps a half-read result open and refuses the next call.
    ((exists,),) = con.execute(
        "SELECT count(*) FROM outlets WHERE registry_version = ?", [registry.version]
    ).fetchall()
    if exists:
        return False
    frame = pd.DataFrame(
        [
            {
                "registry_version": registry.version,
                "name": o.name,
                "country": o.country,
                "kind": o.kind,
                "ownership": o.ownership,
                "domains": list(o.domains),
                "aliases": list(o.aliases),
                "basis": o.basis,
                "loaded_at": utcnow(),
            }
            for o in registry.outlets
        ]
    )
    con.register("_registry", frame)
    try:
        with transaction(con):
            con.execute("INSERT INTO outlets BY NAME SELECT * FROM _registry").fetchall()
    finally:
        con.unregister("_registry")
    return True


def upsert_outlet_classifications(
    con: duckdb.DuckDBPyConnection, outlets: pd.DataFrame, registry_version: str, run_id: str
) -> None:
    # Read by the query through DuckDB's replacement scan (see replace_days).
    _outlets = outlets.assign(registry_version=registry_version, run_id=run_id, seen_at=utcnow())
    with transaction(con):
        con.execute(query("upsert_outlet_classifications")).fetchall()


def merge_row(
    con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...], row: Mapping[str, Any]
) -> None:
    """Insert ``row`` or update the row with the same ``key`` columns (MERGE INTO, which also
    works on DuckLake, where tables have no PRIMARY KEY)."""
    cols = list(row)
    source = ", ".join(f"? AS {c}" for c in cols)
    on = " AND ".join(f"t.{c} = s.{c}" for c in key)
    sets = ", ".join(f"{c} = s.{c}" for c in cols if c not in key)
    values = ", ".join(f"s.{c}" for c in cols)
    con.execute(
        f"MERGE INTO {table} AS t USING (SELECT {source}) AS s ON {on} "
        f"WHEN MATCHED THEN UPDATE SET {sets} "
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(cols)}) VALUES ({values})",
        list(row.values()),
    )
