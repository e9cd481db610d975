"""Other processes holding a database open, as an analyst or a running pipeline would."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def holding(script: str) -> Iterator[subprocess.Popen[str]]:
    """Run ``script`` (it prints "ready" once it holds what it holds) in another process;
    yields the process once it is ready and kills it when closed."""
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield process
    finally:
        process.kill()
        process.wait()


@contextmanager
def holding_database(path: Path, read_only: bool = False) -> Iterator[subprocess.Popen[str]]:
    """Another process with the DuckDB file open (for writing unless ``read_only``)."""
    yield from holding(f"""
        import duckdb, time
        con = duckdb.connect({str(path)!r}, read_only={read_only!r})
        print("ready", flush=True)
        time.sleep(30)
    """)
