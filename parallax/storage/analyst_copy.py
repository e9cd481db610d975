"""The analysts' copy of the database: a read-only file published atomically after each run.

DuckDB lets no reader in while another process writes a file, and no writer in while a reader
holds it. So analysts never open the system-of-record file: after every run (and every batch of
a backfill) the pipeline copies it to ``<db stem>.analyst.duckdb`` beside it and swaps the copy
in with one rename. Readers of the copy never block the pipeline, and a reader that has the
previous copy open keeps reading it (the rename leaves its open file alone); the next open sees
the new one. The copy's ``analyst_copy`` table says when it was published and up to which run.

The copy is taken by the process that holds the database, after a CHECKPOINT under the
process's storage lock: with the WAL folded in and no write in flight the file is complete, and
copying it is much faster than rewriting it (``COPY FROM DATABASE``).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb

from parallax.storage.connection import _process_lock, connect, query, utcnow
from parallax.storage.lake import is_lake

SUFFIX = ".analyst.duckdb"


def analyst_copy_path(db: Path) -> Path:
    """Where the analysts' copy of ``db`` lives: beside it, ``<stem>.analyst.duckdb``."""
    return db.with_name(db.stem + SUFFIX)


def publish_analyst_copy(db: Path) -> Path | None:
    """Copy ``db`` to its analysts' copy, atomically; returns the copy's path (None for the
    lake, which analysts attach read-only themselves, or when there is no database yet)."""
    if is_lake(db) or not Path(db).is_file():
        return None
    target = analyst_copy_path(db)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    started = time.perf_counter()
    with _process_lock, connect(db) as con:
        con.execute("CHECKPOINT")
        (last_run,) = con.execute(query("analyst_copy_last_run")).fetchall()[0]
        shutil.copyfile(db, partial)
    try:
        with duckdb.connect(str(partial)) as copy:
            copy.execute(query("session_utc"))
            copy.execute(query("analyst_copy_info"))
            copy.execute(
                query("analyst_copy_info_insert"),
                [utcnow(), str(db), last_run, round(time.perf_counter() - started, 3)],
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target
