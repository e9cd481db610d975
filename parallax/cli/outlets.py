"""Outlet commands: `parallax classify` (a CSV of outlets) and `parallax outlets unknown`."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from parallax.cli import output
from parallax.cli.common import DbOpt, load_settings, read_input_csv
from parallax.cli.output import fail

outlets_app: typer.Typer = typer.Typer(
    help="Inspect the outlet registry and what it does not cover yet.", no_args_is_help=True
)


def classify(
    input: Annotated[
        Path,
        typer.Option(
            "--input",
            "-i",
            help="CSV with a source_name column and optional source_url and/or domain",
        ),
    ],
    output_csv: Annotated[Path, typer.Option("--output", "-o", help="CSV to write")],
) -> None:
    """Classify outlets from a CSV: adds country, kind, method, confidence, evidence (offline)."""
    from parallax.outlets.registry import RegistryError, load_registry
    from tasks.classify import classify_table

    settings = load_settings()
    frame = read_input_csv(input)
    try:
        registry = load_registry(settings.outlets_file)
        started = time.perf_counter()
        result = classify_table(frame, registry)
    except (RegistryError, ValueError) as exc:
        raise fail(str(exc)) from None
    output_csv.parent.mkdir(parents=True, exist_ok=True)
    result.to_csv(output_csv, index=False)
    answered = int(result["country"].notna().sum())
    output.info(
        f"{len(result)} rows -> {output_csv}: {answered} with a country, "
        f"{len(result) - answered} without ({time.perf_counter() - started:.2f} s, "
        f"registry {registry.version})"
    )


@outlets_app.command("unknown")
def unknown(
    topic: Annotated[str | None, typer.Option("--topic", "-t", help="only this topic")] = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], help="only digests on or after YYYY-MM-DD"),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1)] = 30,
    db: DbOpt = None,
) -> None:
    """The most frequent outlets with no known country: what to add to config/outlets.csv."""
    from parallax import storage
    from parallax.cli.analyst import open_read_only

    settings = load_settings(db)
    try:
        with open_read_only(settings.db) as con:
            rows = con.execute(
                storage.query("unknown_outlets"), [topic, since.date() if since else None, limit]
            ).fetchall()
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    if not rows:
        output.result("no unclassified outlets" + (f" for {topic}" if topic else ""))
        return
    output.table(
        ("articles", "days", "outlet", "domain", "topics"),
        [
            (articles, days, name, domain, topics)
            for name, domain, _, articles, days, topics, _ in rows
        ],
    )
