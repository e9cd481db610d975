"""Storage: every access to DuckDB goes through this package.

- connection.py: opening the file (short connections, one busy-database error), named queries
  from sql/queries, transactions;
- schema.py: migrations (sql/migrations) and the analyst views (sql/views);
- days.py: stage tables keyed by topic-day, which stage owns which table, replacing a day;
- outlets.py: the stored registry and each outlet's decision;
- ledger.py: the run ledger (runs, stage_runs) and the run lock;
- shards.py: a multi-process backfill's shard files, merged back;
- runlock.py: one run at a time per database file, the next one waiting its turn;
- analyst_copy.py: the read-only copy analysts query, published after each run;
- lake.py: the lake backend (DuckLake), for writers on several machines.

The names below are the package's public API (``from parallax import storage``).
"""

from parallax.storage.connection import (
    LOCK_WAIT_S,
    SQL_DIR,
    DatabaseBusyError,
    DatabaseFileError,
    DiskFullError,
    check_database_path,
    configure,
    connect,
    connect_snapshot,
    first_row,
    keep_open,
    literal_query,
    query,
    to_json,
    transaction,
    utcnow,
)
from parallax.storage.days import (
    DAY_TABLES,
    TABLE_OWNERS,
    NotTheOwnerError,
    load_day,
    replace_day,
    replace_days,
    save_day,
)
from parallax.storage.lake import is_lake
from parallax.storage.outlets import snapshot_registry, upsert_outlet_classifications
from parallax.storage.schema import (
    MIGRATIONS_DIR,
    VIEWS_DIR,
    MigrationError,
    apply_views,
    ensure_migrated,
    migrate,
    migration_files,
)

__all__ = [
    "DAY_TABLES", "LOCK_WAIT_S", "MIGRATIONS_DIR", "SQL_DIR", "TABLE_OWNERS", "VIEWS_DIR",
    "DatabaseBusyError", "DatabaseFileError", "DiskFullError", "MigrationError",
    "NotTheOwnerError", "apply_views", "check_database_path", "configure", "connect",
    "connect_snapshot", "ensure_migrated", "first_row", "is_lake", "keep_open", "literal_query",
    "load_day", "migrate", "migration_files", "query", "replace_day", "replace_days", "save_day",
    "snapshot_registry", "to_json",
    "transaction", "upsert_outlet_classifications", "utcnow",
]  # fmt: skip
