"""Pipeline commands: `parallax run`, `demo`, `topics`, `migrate`."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

from parallax import progress
from parallax.cli.common import DateOpt, TopicOpt, fail, load_settings
from parallax.cli.runtime import launch_temporary_api, prefect_quiet
from parallax.topics import ConfigError, load_topics


def prepare_database(db: Path) -> None:
    """Create or upgrade the schema before anything runs, so a problem is one clear line."""
    from parallax import storage

    try:
        with storage.connect(db) as con:
            storage.migrate(con)
    except (storage.DatabaseBusyError, storage.MigrationError) as exc:
        raise fail(f"{db}: {exc}") from None


def run_pipeline(topics: list[str] | None, day: dt.date) -> int:
    """Run the daily flow in this process; print one line per topic; 0 when all succeeded."""
    settings = load_settings()
    try:
        selected = [t.id for t in load_topics(settings.topics_file).select(topics)]
    except ConfigError as exc:
        raise fail(str(exc)) from None
    api = launch_temporary_api()
    prepare_database(settings.db)
    progress.enable_console()
    typer.echo(f"parallax: {day} · topics {', '.join(selected)} · db {settings.db}", err=True)

    from flows.daily import TopicsFailedError, daily_digest
    from parallax.storage.ledger import RunInProgressError

    try:
        with prefect_quiet(api):
            results = daily_digest(topics=selected, date=day)
    except TopicsFailedError as exc:  # some topics failed: report every topic below
        results = exc.results
    except RunInProgressError as exc:
        raise fail(str(exc)) from None
    except typer.Exit:  # already reported in one line
        raise
    except Exception as exc:  # the flow itself failed (not one topic): say so in one line
        raise fail(f"the run failed: {type(exc).__name__}: {exc}") from None
    failed = 0
    for r in results:
        if r.status == "succeeded":
            sides = " ".join(f"{k}={v}" for k, v in sorted(r.per_side.items())) or "no articles"
            line = f"ok      {r.topic:<15} {sides:<24} {r.page}"
            typer.secho(line, fg=typer.colors.GREEN)
            for w in r.warnings:
                typer.secho(f"        {r.topic:<15} warning: {w}", fg=typer.colors.YELLOW)
            for note in r.notes:
                typer.echo(f"        {r.topic:<15} note: {note}")
        else:
            failed += 1
            typer.secho(
                f"FAILED  {r.topic:<15} {r.error} (run {r.run_id}; fix the cause and "
                "re-run the same date: it is safe)",
                fg=typer.colors.RED,
                err=True,
            )
    return 1 if failed else 0


def run(topic: TopicOpt = None, date: DateOpt = None) -> None:
    """Fetch, dedupe, classify, summarize and publish the digest of each topic for a date."""
    day = date.date() if date else dt.datetime.now(dt.UTC).date()
    raise typer.Exit(run_pipeline(topic, day))


def demo(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="folder for everything the demo writes [default: demo/ in the project]; the "
            "demo site (make demo-site) reads demo/",
            show_default=False,
        ),
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(
            help="database for the demo [default: OUT/parallax.duckdb]", show_default=False
        ),
    ] = None,
) -> None:
    """Run the whole pipeline offline on the bundled sample feeds (no network, no API key)."""
    from parallax.cli.demo import DEMO_DIR, SAMPLE_DATE, SampleFeedServer, demo_paths

    paths = demo_paths(out or DEMO_DIR)
    db = db or paths.db
    settings = load_settings()
    with SampleFeedServer(settings.topics_file) as server:
        # The flows read their settings from the environment, as under a deployment.
        os.environ.update(
            PARALLAX_GOOGLE_NEWS_URL=server.base_url,
            PARALLAX_DB=str(db.resolve()),
            PARALLAX_CONTENT_DIR=str(paths.content.resolve()),
            PARALLAX_CHARTS_DIR=str(paths.charts.resolve()),
            PARALLAX_SAMPLE_DATA="true",
        )
        os.environ.pop("PARALLAX_LLM_MODEL", None)
        code = run_pipeline(server.topics, SAMPLE_DATE)
    if code == 0:
        typer.echo(
            f"\nSample pages (invented headlines, marked as such) are in {_shown(paths.content)}/"
            f"<topic>/{SAMPLE_DATE}.md, the database is {_shown(db)}; the live site never reads "
            "them. `make demo-site` builds them into demo/public, `make demo-serve` shows them."
        )
    raise typer.Exit(code)


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter to read)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def topics() -> None:
    """List the configured topics, their sides and the countries each side speaks for."""
    settings = load_settings()
    try:
        config = load_topics(settings.topics_file)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    for t in config.topics:
        sides = "; ".join(f"{p.id} ({', '.join(p.countries)})" for p in t.perspectives)
        typer.echo(f"{t.id:<15} {'active' if t.active else 'inactive':<8} {t.name:<20} {sides}")


def migrate() -> None:
    """Create or upgrade the DuckDB schema (runs also do this on their own)."""
    from parallax import storage

    settings = load_settings()
    with storage.connect(settings.db) as con:
        applied = storage.migrate(con)
    typer.echo(f"{settings.db}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))
