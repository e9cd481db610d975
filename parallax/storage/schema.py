"""The schema: ordered migrations (sql/migrations) and the analyst views (sql/views).

Migrations are applied once each, in order, and recorded with their checksum: a migration file
that changed after it was applied is an error (add a new one instead). Views hold no data, so
they are kept equal to their files: a changed file is applied again, a removed one dropped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import duckdb

from parallax.storage import lake
from parallax.storage.connection import (
    SQL_DIR,
    _kept_migrated,
    is_kept_open,
    query,
    transaction,
    utcnow,
)

MIGRATIONS_DIR = SQL_DIR / "migrations"
VIEWS_DIR = SQL_DIR / "views"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    pass


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

    On a lake (lake.py) each migration is applied without its keys, and workers that start on a
    new lake together may collide: the loser's transaction is retried and finds it applied.
    """
    if lake.on_lake(con):
        return lake.retry_conflicts(
            lambda: _migrate(con, directory, views_dir, lake.lake_sql), "migrating the lake"
        )
    return _migrate(con, directory, views_dir, lambda sql: sql)


def _migrate(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    views_dir: Path | None,
    dialect: Callable[[str], str],
) -> list[str]:
    con.execute(dialect(query("schema_migrations_table")))
    rows = con.execute(query("schema_migrations_applied")).fetchall()
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
            con.execute(dialect(sql))
            con.execute(query("schema_migration_record"), [version, name, checksum, utcnow()])
        done.append(name)
    if views_dir is None and directory == MIGRATIONS_DIR:
        views_dir = VIEWS_DIR
    if views_dir is not None:
        apply_views(con, views_dir)
    return done


def ensure_migrated(con: duckdb.DuckDBPyConnection) -> None:
    """`migrate`, once per kept-open connection: a backfill's topic-days share one connection
    and need not check every migration and view again."""
    if id(con) in _kept_migrated:
        return
    migrate(con)
    if is_kept_open(con):
        _kept_migrated.add(id(con))


def apply_views(con: duckdb.DuckDBPyConnection, directory: Path = VIEWS_DIR) -> list[str]:
    """(Re)create each view of ``directory`` whose file changed since it was applied.

    Each file ``<name>.sql`` must create the view ``<name>``. Recorded in schema_views, so a
    second call with unchanged files does nothing. Returns the names (re)created.
    """
    on_lake = lake.on_lake(con)
    for table in (query("schema_views_table"), query("schema_view_columns_table")):
        con.execute(lake.lake_sql(table) if on_lake else table)
    recorded = dict(con.execute(query("schema_views_applied")).fetchall())
    existing = {r[0] for r in con.execute(query("schema_views_existing")).fetchall()}
    files = {path.stem: path for path in sorted(directory.glob("*.sql"))}
    done = []
    with transaction(con):
        for name in sorted(set(recorded) - set(files)):
            con.execute(query("schema_view_drop", view=name))
            con.execute(query("schema_view_forget"), [name])
        for name in _dependencies_first(files):
            path = files[name]
            sql = path.read_text(encoding="utf-8")
            checksum = hashlib.sha256(sql.encode()).hexdigest()
            if recorded.get(name) == checksum and name in existing:
                continue
            con.execute(lake.lake_view_sql(sql) if on_lake else sql)
            if not con.execute(query("schema_view_exists"), [name]).fetchall()[0][0]:
                raise MigrationError(f"{path.name} must create the view {name!r}")
            con.execute(query("schema_view_forget"), [name])
            con.execute(query("schema_view_record"), [name, checksum, utcnow()])
            done.append(name)
        _record_column_comments(con, files)
    return done


_COLUMN_COMMENT = re.compile(r"COMMENT ON COLUMN\s+(\w+)\.(\w+)\s+IS\s+'((?:[^']|'')*)'", re.I)


def _record_column_comments(con: duckdb.DuckDBPyConnection, files: dict[str, Path]) -> None:
    """Keep schema_view_columns equal to the views' COMMENT ON COLUMN lines (rewritten whole
    when they differ): the one place a lake has them, the same rows on a file."""
    wanted = {
        (view, column, text.replace("''", "'"))
        for path in files.values()
        for view, column, text in _COLUMN_COMMENT.findall(path.read_text(encoding="utf-8"))
    }
    if set(con.execute(query("schema_view_columns_applied")).fetchall()) == wanted:
        return
    con.execute(query("schema_view_columns_clear"))
    if wanted:
        con.executemany(query("schema_view_column_record"), sorted(wanted))


# What a view's file says about other views without reading them: comments and text
# (COMMENT ON ... IS '...'), left out when looking for the views it reads.
_COMMENTS_AND_TEXT = re.compile(r"--[^\n]*|'(?:[^']|'')*'")


def _dependencies_first(files: dict[str, Path]) -> list[str]:
    """View names in an order where a view comes after the views its SQL reads."""
    code = {
        name: _COMMENTS_AND_TEXT.sub(" ", path.read_text(encoding="utf-8"))
        for name, path in files.items()
    }
    reads = {
        name: {other for other in files if other != name and re.search(rf"\b{other}\b", sql)}
        for name, sql in code.items()
    }
    ordered: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in path:
            raise MigrationError(f"views read each other in a cycle: {' -> '.join(path)}")
        for other in sorted(reads[name]):
            visit(other, (*path, name))
        ordered.append(name)

    for name in sorted(files):
        visit(name, ())
    return ordered
