"""A full disk, recognised: in a failure however deep it surfaced, and before a run starts.

A full disk shows up as whatever failed first: an OSError writing a page, DuckDB's IO error,
or Prefect's API answering HTTP 500 because its own database could not be written. Each is
reported as one line saying the disk is full, not as that symptom.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterable
from pathlib import Path

# Less free space than this fails a run before it starts: a day's rows, pages and the Prefect
# API's records need a few megabytes, and a run that stops half-way helps nobody.
MIN_FREE_BYTES = 50 * 1024 * 1024
_NO_SPACE = "No space left on device"


def is_disk_full(exc: BaseException | None) -> bool:
    """True when ``exc`` or an exception it came from says the disk is full."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if _NO_SPACE in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def free_bytes(path: Path) -> int:
    """Free space on the disk that holds ``path`` (or would: its nearest existing folder)."""
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("/"))
    return shutil.disk_usage(existing).free


def short_of_space(paths: Iterable[Path]) -> Path | None:
    """The first of ``paths`` on a disk with less than `MIN_FREE_BYTES` free, or None."""
    return next((p for p in paths if free_bytes(p) < MIN_FREE_BYTES), None)


def disk_full_message(path: Path | None = None) -> str:
    """One line: which disk is full (or nearly: below `MIN_FREE_BYTES`) and what to do."""
    if path is None:
        return "the disk is full: free some space, then re-run the same command (it is safe)"
    return (
        f"the disk holding {path} is full ({free_bytes(path) / 1e6:.0f} MB free, a run needs "
        f"{MIN_FREE_BYTES / 1e6:.0f} MB): free some space, then re-run the same command "
        "(it is safe)"
    )
