"""The lake backend: DuckLake (Parquet files plus a catalog database) instead of one file.

Selected by one setting: a ``PARALLAX_DB`` that starts with ``ducklake:`` names the catalog,
``ducklake:postgres:<libpq connection string>`` (several machines) or
``ducklake:sqlite:<file>`` (one machine, readers during writes); ``PARALLAX_LAKE_DATA_PATH``
names where the Parquet files go when the lake is created (a directory every worker sees).
Same tables, same views, same queries as the DuckDB file: a connection to the lake is an
in-memory DuckDB with the lake attached as ``lake`` and made the default catalog.

Why a run does not write the lake statement by statement: DuckLake detects conflicts per table,
and a DELETE conflicts with any other transaction's write to the same table, so stage writes of
concurrent runs would conflict all the time; every statement is also a round trip to the
catalog. Instead a run works in a local scratch DuckDB file seeded from the lake (as a backfill
worker does with its shard, shards.py) and each finished topic-day goes into the lake in one
transaction (`merge_days`): one snapshot per topic-day run, whose commit message names the run.
A conflict rolls that transaction back whole; it is retried (`retry_conflicts`), so nothing is
lost or written twice.

The extensions come from the ``duckdb-extension-*`` wheels pinned to the DuckDB version
(pyproject.toml) and are loaded by file path: nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib
import logging
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

LAKE_PREFIX = "ducklake:"
ALIAS = "lake"  # the lake's catalog name inside a connection
CONFLICT_ATTEMPTS = 30  # a topic-day's merge is small; a busy lake still lets it in quickly
_EXTENSION_WHEELS = {
    "ducklake": "duckdb_extension_ducklake",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
}
_TABLE_KEY = re.compile(r",\s*PRIMARY KEY\s*\([^)]*\)", re.IGNORECASE)
_COLUMN_KEY = re.compile(r"\s+PRIMARY KEY\b", re.IGNORECASE)
_FIXED_ARRAY = re.compile(r"\b(FLOAT|DOUBLE|REAL|INTEGER|BIGINT|SMALLINT|VARCHAR)\[\d+\]", re.I)
_BOOLEAN_DEFAULT = re.compile(r"\bDEFAULT\s+(TRUE|FALSE)\b", re.IGNORECASE)
_COLUMN_COMMENT = re.compile(r"COMMENT ON COLUMN\s+[\w.]+\s+IS\s+'(?:[^']|'')*'\s*;?", re.I)

log = logging.getLogger("parallax.lake")
T = TypeVar("T")


class LakeError(RuntimeError):
    """The lake cannot be opened (catalog unreachable, extension missing, no data path)."""


def is_lake(db: Path | str) -> bool:
    """True when ``db`` names a DuckLake (``ducklake:postgres:...``, ``ducklake:sqlite:...``)."""
    return str(db).startswith(LAKE_PREFIX)


def extension_path(name: str) -> Path:
    """The extension file shipped in its wheel for this DuckDB version."""
    module = importlib.import_module(_EXTENSION_WHEELS[name])
    assert module.__file__ is not None
    path = (
        Path(module.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / f"{name}.duckdb_extension"
    )
    if not path.is_file():
        raise LakeError(
            f"the {name} extension for DuckDB {duckdb.__version__} is not installed ({path}); "
            "reinstall Parallax (its wheels are pinned to the DuckDB version)"
        )
    return path


def open_lake(
    url: str,
    data_path: str | None = None,
    read_only: bool = False,
    snapshot: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection with the lake ``url`` attached as ``lake`` and used by default.

    ``data_path`` is needed only when the lake is created (the catalog keeps it); ``snapshot``
    attaches the lake as it was at that snapshot (read-only).
    """
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        for name in ("ducklake", _catalog_extension(url)):
            con.execute(f"LOAD {_quoted(str(extension_path(name)))}")
        options = []
        if data_path:
            options.append(f"DATA_PATH {_quoted(data_path)}")
        if read_only or snapshot is not None:
            options.append("READ_ONLY")
        if snapshot is not None:
            options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
        suffix = f" ({', '.join(options)})" if options else ""
        con.execute(f"ATTACH {_quoted(url)} AS {ALIAS}{suffix}")
        con.execute(f"USE {ALIAS}")
    except duckdb.Error as exc:
        con.close()
        raise LakeError(f"cannot open the lake {redact(url)}: {_first_line(exc)}") from None
    return con


def _catalog_extension(url: str) -> str:
    kind = url[len(LAKE_PREFIX) :].split(":", 1)[0]
    if kind == "postgres":
        return "postgres_scanner"
    if kind == "sqlite":
        return "sqlite_scanner"
    raise LakeError(
        f"unsupported lake catalog {kind!r}: use ducklake:postgres:<connection string> or "
        "ducklake:sqlite:<file>"
    )


def redact(url: str) -> str:
    """The lake URL without a password (``password=...`` of a libpq string)."""
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", url, flags=re.IGNORECASE)


def lake_sql(sql: str) -> str:
    """A migration as the lake takes it. DuckLake has no PRIMARY KEY (nor UNIQUE): every write
    of ours replaces a topic-day or upserts with MERGE INTO, so the keys are kept by the code.
    It has no fixed-size ARRAY type: a list holds the same values (and casts back to the array
    in a scratch file). A new column's default must be a literal it can store, so a boolean
    default is written as text ('false'), which DuckDB casts."""
    sql = _COLUMN_KEY.sub("", _TABLE_KEY.sub("", sql))
    sql = _FIXED_ARRAY.sub(lambda m: f"{m.group(1)}[]", sql)
    return _BOOLEAN_DEFAULT.sub(lambda m: f"DEFAULT '{m.group(1).lower()}'", sql)


def lake_view_sql(sql: str) -> str:
    """A view file as the lake takes it: DuckLake keeps a view's comment but not its columns'
    (their descriptions are rows of schema_view_columns, on a lake as on a file)."""
    return _COLUMN_COMMENT.sub("", sql)


def on_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """True when ``con``'s default catalog is a lake (`open_lake`)."""
    return bool(con.execute("SELECT current_database()").fetchall()[0][0] == ALIAS)


def is_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return isinstance(exc, duckdb.Error) and (
        "Transaction conflict" in text or "Failed to commit DuckLake transaction" in text
    )


def retry_conflicts(action: Callable[[], T], what: str, attempts: int = CONFLICT_ATTEMPTS) -> T:
    """Run ``action`` (one whole transaction) again while it fails on a lake write conflict:
    the conflicting transaction was rolled back whole, so running it again writes it once."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except duckdb.Error as exc:
            if not is_conflict(exc) or attempt == attempts:
                raise
            # Another worker committed to the same table first: back off a little, at random,
            # so the workers that collided do not collide again.
            time.sleep(random.uniform(0.02, 0.05) * min(attempt, 10))
            log.debug("%s: write conflict, attempt %d: %s", what, attempt, _first_line(exc))
    raise AssertionError("unreachable")


def set_commit_message(con: duckdb.DuckDBPyConnection, message: str, extra: str) -> None:
    """Name the snapshot the open transaction will commit (``FROM lake.snapshots()``)."""
    con.execute(
        f"CALL {ALIAS}.set_commit_message('parallax', ?, extra_info => ?)", [message, extra]
    )


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
