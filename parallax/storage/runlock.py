"""The run lock: one run at a time per database, and the next one waits its turn.

A lock file beside the database (``<db>.run-lock``), held with ``flock`` for a whole flow run.
The kernel releases it when the holder exits, even on ``kill -9``, so a dead run never blocks
the next. The holder writes its PID, command and start time into the file, so a run that has to
wait says who it waits for. Waiting is bounded: daily, backfill and replay runs triggered
together run one after another, but a run stuck for longer than the wait fails with one line.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from parallax.storage.connection import describe_process

log = logging.getLogger("parallax.progress")
NOTICE_EVERY_S = 30.0  # how often a waiting run says it is still waiting
_POLL_S = 0.5


class RunInProgressError(RuntimeError):
    """Another Parallax run held the database for longer than this run would wait."""


def lock_path(db: Path) -> Path:
    return Path(f"{db}.run-lock")


def holder_of(path: Path) -> str:
    """Who holds the run lock, as its holder wrote it (or "unknown")."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return "unknown"
    return text or "unknown"


@contextmanager
def run_lock(db: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold ``db``'s run lock for the block, waiting up to ``wait_s`` seconds for it."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, db, wait_s)
        os.ftruncate(fd, 0)
        since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.write(fd, f"{describe_process(os.getpid())}, since {since}\n".encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, db: Path, wait_s: float) -> None:
    started = time.monotonic()
    next_notice = started
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        waited = time.monotonic() - started
        if waited >= wait_s:
            raise RunInProgressError(
                f"another Parallax run is using {db} ({holder_of(path)}) and did not finish "
                f"within {wait_s:.0f} s; let it finish, then retry (PARALLAX_RUN_WAIT_S sets how "
                "long a run waits)"
            )
        if time.monotonic() >= next_notice:
            log.warning(
                "waiting for another run to finish with %s (%s); waited %.0f s of up to %.0f s",
                db,
                holder_of(path),
                waited,
                wait_s,
            )
            next_notice = time.monotonic() + NOTICE_EVERY_S
        time.sleep(min(_POLL_S, max(wait_s - waited, 0.01)))
