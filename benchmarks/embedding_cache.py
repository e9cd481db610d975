"""The benchmarks' own DuckDB file of kept title vectors (benchmarks/out/, not in git).

A cache made before a migration changed is rebuilt rather than refused: it holds nothing but
vectors the bundled model can compute again.
"""

from __future__ import annotations

from pathlib import Path

from parallax import storage
from parallax.storage.schema import MigrationError


def ready_cache(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with storage.connect(path) as con:
            storage.migrate(con)
    except MigrationError as exc:
        print(f"rebuilding {path.name}: {exc}")
        path.unlink()
        with storage.connect(path) as con:
            storage.migrate(con)
    return path
