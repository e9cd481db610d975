"""Analyst commands: `parallax sql`, `parallax export`, `parallax import-seed`.

`sql` and `export` read the analysts' copy by default (storage/analyst_copy.py): a read-only
file the pipeline publishes whole after each run, so queries never wait for a run and never
make one wait. With a lake (``PARALLAX_DB=ducklake:...``) they attach the lake read-only.
``--db FILE`` queries another file, read-only; while a run writes that file DuckDB lets no
reader in, so they fail at once with one line saying so (``--wait`` retries for a while).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer

from parallax import storage
from parallax.cli import output
from parallax.cli.common import DbOpt, load_settings
from parallax.cli.output import fail
from parallax.storage.analyst_copy import analyst_copy_path, publish_analyst_copy

WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait", min=0, help="seconds to keep retrying while a run holds the database (default 0)"
    ),
]
AnalystDbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="DuckDB file (default: the analysts' copy of PARALLAX_DB, or the lake)",
        show_default=False,
    ),
]


def busy_message(exc: storage.DatabaseBusyError) -> str:
    """What an analyst command says when a writer holds the database."""
    holder = exc.holder.replace("PID", "process") if "PID" in exc.holder else "another process"
    return (
        f"{exc.path} is in use by {holder} (a pipeline run, or a duckdb shell open for writing); "
        "DuckDB lets no reader in while a writer holds the file. Re-run when it has finished, "
        "or add --wait SECONDS."
    )


@contextmanager
def open_read_only(db: Path, wait_s: float = 0.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """`storage.connect`, read-only and without waiting unless asked: one clear line when a
    writer holds the file (`busy_message`); FileNotFoundError when there is no file."""
    try:
        with storage.connect(db, read_only=True, wait_s=wait_s) as con:
            yield con
    except storage.DatabaseBusyError as exc:
        raise fail(busy_message(exc)) from None
    except storage.DatabaseFileError as exc:
        raise fail(str(exc)) from None


def _db(db: Path | None) -> Path:
    return db if db is not None else load_settings().db


def _analyst_db(db: Path | None) -> Path:
    """What `sql` and `export` read: ``--db``, else the analysts' copy of PARALLAX_DB (said on
    stderr, with how fresh it is), else PARALLAX_DB itself (no run has published a copy)."""
    if db is not None:
        return db
    settings = load_settings()
    if storage.is_lake(settings.db):
        return settings.db
    copy = analyst_copy_path(settings.db)
    if not copy.is_file():
        return settings.db
    with storage.connect(copy, read_only=True, wait_s=0) as con:
        row = storage.first_row(con, storage.query("analyst_copy_read"))
    published, last_run = row if row else (None, None)
    output.info(
        f"(analysts' copy {copy}: published {_when(published)}, latest run finished "
        f"{_when(last_run)})"
    )
    return copy


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "never"


def _cell(value: Any) -> Any:
    """A value as JSON can hold it (dates ISO 8601, decimals as float, bytes as hex)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_cell(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _cell(v) for k, v in value.items()}
    if hasattr(value, "__float__"):
        return float(value)
    return str(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(_cell(value), ensure_ascii=False)
    return str(_cell(value))


def sql(
    query: Annotated[
        str, typer.Argument(help='a SQL query, e.g. "SELECT * FROM perspective_purity"')
    ],
    csv_out: Annotated[bool, typer.Option("--csv", help="print CSV (header + rows)")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="print a JSON array of objects")] = False,
    max_rows: Annotated[
        int, typer.Option("--max-rows", min=1, help="rows shown in table output (csv/json: all)")
    ] = 200,
    db: AnalystDbOpt = None,
    wait: WaitOpt = 0.0,
) -> None:
    """Run a read-only SQL query on the analysts' copy and print a table (or --csv / --json)."""
    if csv_out and json_out:
        raise typer.BadParameter("choose one of --csv and --json", param_hint="'--json'")
    path = _analyst_db(db)
    try:
        with open_read_only(path, wait) as con:
            try:
                cursor = con.execute(query)
            except duckdb.Error as exc:
                raise fail(f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from None
            if cursor.description is None:
                output.result("(no result)")
                return
            columns = [d[0] for d in cursor.description]
            json_columns = {i for i, d in enumerate(cursor.description) if str(d[1]) == "JSON"}
            rows = cursor.fetchall()
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    if csv_out:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_text(v) for v in row] for row in rows)
    elif json_out:
        # JSON columns arrive as text; emit them as JSON values, not strings of JSON.
        records = [
            {
                name: json.loads(v) if i in json_columns and isinstance(v, str) else _cell(v)
                for i, (name, v) in enumerate(zip(columns, row, strict=True))
            }
            for row in rows
        ]
        output.result(json.dumps(records, ensure_ascii=False, indent=1))
    else:
        _print_table(columns, rows, max_rows)


def _print_table(columns: list[str], rows: list[tuple[Any, ...]], max_rows: int) -> None:
    output.table(columns, [[_text(v) for v in row] for row in rows[:max_rows]])
    more = (
        f"; first {max_rows} shown (--max-rows, or --csv for all)" if len(rows) > max_rows else ""
    )
    output.result(f"{len(rows)} row{'s' if len(rows) != 1 else ''}{more}")


class ExportFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


def export(
    out: Annotated[Path, typer.Option("--out", help="folder to write (created if missing)")],
    format: Annotated[ExportFormat, typer.Option("--format", help="file format")] = (
        ExportFormat.parquet
    ),
    db: AnalystDbOpt = None,
    wait: WaitOpt = 0.0,
) -> None:
    """Export every table and analyst view to DIR as Parquet (or CSV) files, and a manifest.

    manifest.json holds each file's row count, and each view's description and column docs."""
    path = _analyst_db(db)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        with open_read_only(path, wait) as con:
            # Read-only: no writer can be in, so every file sees the same database.
            tables = [r[0] for r in con.execute(storage.query("export_tables")).fetchall()]
            views = con.execute(storage.query("export_views")).fetchall()
            table_entries = [{"table": name, **_write(con, name, out, format)} for name in tables]
            view_entries = [
                {
                    "view": name,
                    **_write(con, name, out, format),
                    "description": comment,
                    "columns": dict(
                        con.execute(storage.query("view_column_comments"), [name]).fetchall()
                    ),
                }
                for name, comment in views
            ]
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    manifest = {
        "database": str(path),
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "format": format.value,
        "tables": table_entries,
        "views": view_entries,
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    total = sum(e["rows"] for e in table_entries)
    output.result(
        f"exported {len(table_entries)} tables ({total:,} rows) and {len(view_entries)} views to "
        f"{out} ({time.perf_counter() - started:.1f} s); manifest: {out / 'manifest.json'}"
    )


def _write(
    con: duckdb.DuckDBPyConnection, name: str, out: Path, format: ExportFormat
) -> dict[str, Any]:
    """One table or view to ``out/<name>.<format>``; its file, row count and size."""
    relation = con.table(name)
    target = out / f"{name}.{format.value}"
    if format is ExportFormat.parquet:
        relation.write_parquet(str(target), compression="zstd")
    else:
        relation.write_csv(str(target), header=True)
    rows = int(relation.aggregate("count(*)").fetchall()[0][0])
    output.info(f"{name:<26} {rows:>10,} rows  {target}")
    return {"file": target.name, "rows": rows, "bytes": target.stat().st_size}


def import_seed(
    folder: Annotated[
        Path, typer.Argument(help="the old system's summaries folder: <topic>/<YYYY-MM-DD>.md")
    ],
    db: DbOpt = None,
    batch: Annotated[int, typer.Option(min=1, help="pages written per transaction")] = 200,
) -> None:
    """Import the old system's published pages into seed_digests and seed_articles, then
    publish the analysts' copy (what `parallax sql` reads)."""
    from parallax.cli.seed.parse import parse_seed_file, seed_page_files
    from parallax.cli.seed.records import SeedDigest, SeedParseError
    from parallax.cli.seed.store import store_seed

    path = _db(db)
    try:
        files = seed_page_files(folder)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    if not files:
        raise fail(f"no <topic>/<YYYY-MM-DD>.md pages under {folder}")
    import_id = "seed-" + uuid.uuid4().hex[:12]
    imported_at = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    failed: list[str] = []
    n_digests = n_articles = 0
    pending: list[tuple[str, SeedDigest]] = []
    try:
        with storage.connect(path) as con:
            storage.migrate(con)

            def flush() -> None:
                nonlocal n_digests, n_articles
                if pending:
                    d, a = store_seed(con, pending, import_id, imported_at)
                    n_digests += d
                    n_articles += a
                    pending.clear()

            for i, file in enumerate(files, 1):
                try:
                    digest = parse_seed_file(file)
                except SeedParseError as exc:
                    failed.append(str(exc))
                    output.warn(f"skipped {exc}")
                else:
                    pending.append((file.relative_to(folder).as_posix(), digest))
                if len(pending) >= batch:
                    flush()
                if i % 100 == 0 or i == len(files):
                    output.info(f"import-seed {i}/{len(files)} pages read")
            flush()
        publish_analyst_copy(path)  # as a run does: `parallax sql` reads the copy
    except storage.DatabaseBusyError as exc:
        raise fail(str(exc)) from None
    seconds = time.perf_counter() - started
    output.result(
        f"imported {n_digests} pages, {n_articles:,} articles from {folder} into {path} "
        f"(import {import_id}, {seconds:.1f} s); {len(failed)} page(s) failed"
    )
    if failed:
        raise typer.Exit(1)
