"""Opening the DuckDB file: short connections, one lock per process, one busy-database error.

Connections are short: a stage opens the file, reads or writes one day's rows in a transaction
and closes it. Inside one process every access is serialised by a lock, because DuckDB rejects
concurrent upserts of one table and a shared connection cannot be used from two threads. Our
writes are small; the lock costs nothing measurable.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from parallax.storage import lake

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
# How long a pipeline waits for another process (an analyst's shell, a notebook) to release the
# file before it fails, saying who holds it. Entry points set it from PARALLAX_DB_WAIT_S.
LOCK_WAIT_S = 600.0
WAIT_NOTICE_S = 2.0  # a wait longer than this is said on the console, then every 30 s
log = logging.getLogger("parallax.progress")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

_process_lock = threading.RLock()
_kept_open: dict[str, duckdb.DuckDBPyConnection] = {}  # see keep_open()
_lakes: dict[tuple[str, bool], duckdb.DuckDBPyConnection] = {}  # one attached lake per process
_lake_lock = threading.RLock()  # the lake connection's attached "shard" is one per process
_lake_data_path: str | None = None  # see configure()


class DatabaseBusyError(RuntimeError):
    """Another process holds the DuckDB file (``holder`` says which, when DuckDB told us)."""

    def __init__(self, path: str, holder: str) -> None:
        super().__init__(
            f"{path} is in use by another process ({holder}); close it (e.g. an open duckdb "
            "shell: analysts query the analysts' copy, see `parallax sql`), then re-run"
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
    file must exist. A lake (lake.py) is attached once per process; each unit of work gets its
    own cursor on it."""
    target = str(path)
    if lake.is_lake(target):
        # Not the file lock: a backfill's threads go on with their scratch file while one of
        # them writes a day into the lake.
        with _lake_lock, _lake_cursor(target, read_only) as cursor:
            yield cursor
        return
    with _process_lock:
        kept = _kept_open.get(target)
        if kept is not None:
            yield kept
            return
        check_database_path(target, read_only)
        con = _open_with_wait(target, read_only, lock_wait_s() if wait_s is None else wait_s)
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
    if lake.is_lake(target):  # a lake connection is kept per process anyway
        yield
        return
    with _process_lock:
        if target in _kept_open:  # nested: the outer block owns it
            yield
            return
        check_database_path(target)
        _kept_open[target] = _open_with_wait(target, False, lock_wait_s(), threads)
    try:
        yield
    finally:
        with _process_lock:
            con = _kept_open.pop(target)
            _kept_migrated.discard(id(con))
            con.close()


@contextmanager
def _lake_cursor(target: str, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    key = (target, read_only)
    if key not in _lakes:
        _lakes[key] = lake.open_lake(target, _lake_data_path, read_only=read_only)
    cursor = _lakes[key].cursor()
    try:
        cursor.execute(f"USE {lake.ALIAS}")
        cursor.execute(query("session_utc"))
        yield cursor
    finally:
        cursor.close()


@contextmanager
def connect_snapshot(target: str, version: int) -> Iterator[duckdb.DuckDBPyConnection]:
    """The lake ``target`` as it was at snapshot ``version`` (read-only), for one unit of work."""
    con = lake.open_lake(target, _lake_data_path, snapshot=version)
    try:
        con.execute(query("session_utc"))
        yield con
    finally:
        con.close()


def configure(db_wait_s: float | None = None, lake_data_path: str | None = None) -> None:
    """What the entry points read from the settings for this package: how long `connect` waits
    for another process to release a file (PARALLAX_DB_WAIT_S), and where a lake created by
    this process puts its files (PARALLAX_LAKE_DATA_PATH)."""
    global LOCK_WAIT_S, _lake_data_path
    if db_wait_s is not None:
        LOCK_WAIT_S = float(db_wait_s)
    _lake_data_path = lake_data_path


def is_kept_open(con: duckdb.DuckDBPyConnection) -> bool:
    return any(kept is con for kept in _kept_open.values())


_kept_migrated: set[int] = set()  # ids of kept-open connections already migrated (schema.py)


def lock_wait_s() -> float:
    return LOCK_WAIT_S


def _open_with_wait(
    target: str, read_only: bool, wait_s: float, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    started = time.monotonic()
    deadline = started + wait_s
    next_notice = started + WAIT_NOTICE_S
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
            now = time.monotonic()
            if now >= deadline:
                raise DatabaseBusyError(target, _holder(exc)) from exc
            if now >= next_notice:
                log.warning(
                    "waiting for %s: in use by %s; waited %.0f s, will wait up to %.0f s",
                    target,
                    _holder(exc),
                    now - started,
                    wait_s,
                )
                next_notice = now + 30.0
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
    return describe_process(int(match.group(1))) if match else "unknown process"


def describe_process(pid: int) -> str:
    """``PID n`` and, where the system tells, the command line that runs it (shortened)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return f"PID {pid}"
    # one line, whatever the arguments hold (a `python -c` script has newlines)
    command = " ".join(raw.replace(b"\0", b" ").decode(errors="replace").split())
    return f"PID {pid}: {command[:120]}" if command else f"PID {pid}"


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")  # on a lake, a write conflict surfaces here (lake.py)
    except BaseException:
        with suppress(duckdb.Error):  # a failed COMMIT has already ended the transaction
            con.execute("ROLLBACK")
        raise


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


def literal_query(name: str, **values: str) -> str:
    """The named query with ``{name}`` placeholders filled by quoted SQL string literals: for
    the few statements that take no bound parameters (ATTACH)."""
    quoted = {key: "'" + value.replace("'", "''") + "'" for key, value in values.items()}
    return _query_text(name).format(**quoted)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
