"""Opening the DuckDB file: short connections, one lock per process, one busy-database error.

Connections are short: a stage opens the file, reads or writes one day's rows in a transaction
and closes it. Inside one process every access is serialised by a lock, because DuckDB rejects
concurrent upserts of one table and a shared connection cannot be used from two threads. Our
writes are small; the lock costs nothing measurable.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
LOCK_WAIT_S = 15.0  # how long a pipeline waits for another process to release the file
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

_process_lock = threading.RLock()
_kept_open: dict[str, duckdb.DuckDBPyConnection] = {}  # see keep_open()


class DatabaseBusyError(RuntimeError):
    """Another process holds the DuckDB file (``holder`` says which, when DuckDB told us)."""

    def __init__(self, path: str, holder: str) -> None:
        super().__init__(
            f"{path} is in use by another process ({holder}); close it (e.g. an open duckdb "
            "shell) or query a copy, then re-run"
        )
        self.path = path
        self.holder = holder


class DatabaseFileError(RuntimeError):
    """The database path is not one DuckDB can use (a folder, another kind of file, a folder
    that cannot be made); the message says which and what to do."""


class DiskFullError(RuntimeError):
    """The disk holding the database is full."""


def check_database_path(path: Path | str, read_only: bool = False) -> None:
    """Raise `DatabaseFileError` unless ``path`` can be (or is) a DuckDB file; creates its
    folder when missing (not when ``read_only``: then the file must exist, else
    FileNotFoundError)."""
    target = Path(path)
    if str(path) == ":memory:":
        return
    if target.is_dir():
        raise DatabaseFileError(
            f"{target} is a folder, not a DuckDB file: give a file path (e.g. "
            f"{target / 'parallax.duckdb'})"
        )
    blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise DatabaseFileError(
            f"{target} cannot be created: {blocker} is a file, not a folder; give a path in a "
            "folder"
        )
    if read_only:
        if not target.is_file():
            raise FileNotFoundError(
                f"{target} does not exist (run the pipeline or `parallax migrate`)"
            )
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseFileError(
            f"cannot create the folder {target.parent}: {exc.strerror}"
        ) from None


@contextmanager
def connect(
    path: Path | str, read_only: bool = False, wait_s: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database for one short unit of work (serialised within the process), waiting up
    to ``wait_s`` (default `LOCK_WAIT_S`) for another process to release it. Read-only: the
    file must exist."""
    target = str(path)
    check_database_path(target, read_only)
    with _process_lock:
        kept = _kept_open.get(target)
        if kept is not None:
            yield kept
            return
        con = _open_with_wait(target, read_only, LOCK_WAIT_S if wait_s is None else wait_s)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def keep_open(path: Path | str, threads: int | None = None) -> Iterator[None]:
    """Inside this block every `connect` to ``path`` in this process reuses one connection.

    For long batch jobs (backfills): a topic-day opens the file about twenty times, and opening
    and closing it each time dominated a backfill. The price: the file stays locked for the
    whole job.

    ``threads`` caps DuckDB's threads: a backfill's queries are small (one topic-day) and its
    days already run in parallel, so DuckDB's own worker threads only add CPU.
    """
    target = str(path)
    with _process_lock:
        if target in _kept_open:  # nested: the outer block owns it
            yield
            return
        check_database_path(target)
        _kept_open[target] = _open_with_wait(target, False, LOCK_WAIT_S, threads)
    try:
        yield
    finally:
        with _process_lock:
            con = _kept_open.pop(target)
            _kept_migrated.discard(id(con))
            con.close()


def is_kept_open(con: duckdb.DuckDBPyConnection) -> bool:
    return any(kept is con for kept in _kept_open.values())


_kept_migrated: set[int] = set()  # ids of kept-open connections already migrated (schema.py)


def _open_with_wait(
    target: str, read_only: bool, wait_s: float, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_s
    delay = 0.1
    config: dict[str, str | bool | int | float | list[str]] = (
        {"threads": int(threads)} if threads is not None else {}
    )
    while True:
        try:
            con = duckdb.connect(target, read_only=read_only, config=config)
            con.execute(query("session_utc"))
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise _file_error(target, exc) from None
            if time.monotonic() >= deadline:
                raise DatabaseBusyError(target, _holder(exc)) from exc
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.01)))
            delay = min(delay * 2, 1.0)


def _file_error(target: str, exc: duckdb.Error) -> Exception:
    """DuckDB's own words for a file it cannot open, as one line that says what to do."""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "not a valid DuckDB database file" in message:
        return DatabaseFileError(
            f"{target} is not a DuckDB database (another kind of file): give the path of a "
            "DuckDB file, or move this one away"
        )
    if "No space left on device" in message:
        return DiskFullError(f"the disk holding {target} is full: free some space, then re-run")
    return DatabaseFileError(f"{target} cannot be opened: {message.removeprefix('IO Error: ')}")


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


def first_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query, or None. Never `fetchone()`: it leaves the result open, and
    the next statement on that connection (kept open and shared by a backfill's threads)
    fails with "connection has an unfinished result"."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


@cache
def _query_text(name: str) -> str:
    return (SQL_DIR / "queries" / f"{name}.sql").read_text(encoding="utf-8")


def query(name: str, **identifiers: str | Sequence[str]) -> str:
    """The named query sql/queries/<name>.sql. Values are bound as parameters, never formatted
    in; ``identifiers`` fill ``{table}``-style placeholders with a table or view name, or a
    list of column names."""
    text = _query_text(name)
    if not identifiers:
        return text
    filled = {}
    for key, value in identifiers.items():
        names = [value] if isinstance(value, str) else list(value)
        bad = [n for n in names if not _IDENTIFIER.match(n)]
        if bad or not names:
            raise ValueError(f"{name}.sql: not SQL identifiers for {{{key}}}: {bad or names}")
        filled[key] = ", ".join(names)
    return text.format(**filled)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
