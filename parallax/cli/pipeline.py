"""Pipeline commands: `parallax run`, `demo`, `topics`, `migrate`."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

from parallax import progress
from parallax.cli.checks import check_before_running, failure_line, prepare_database
from parallax.cli.common import DateOpt, TopicOpt, fail, load_settings
from parallax.cli.runtime import launch_temporary_api, prefect_quiet
from parallax.topics import ConfigError, load_topics


def run_pipeline(topics: list[str] | None, day: dt.date) -> int:
    """Run the daily flow in this process; print one line per topic; 0 when all succeeded."""
    settings = load_settings()
    try:
        selected = [t.id for t in load_topics(settings.topics_file).select(topics)]
    except ConfigError as exc:
        raise fail(str(exc)) from None
    api = launch_temporary_api()
    check_before_running(settings)
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
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM
        typer.secho(
            "interrupted: topics that finished are saved; re-run the same date (it is safe)",
            fg=typer.colors.YELLOW,
            err=True,
        )
        raise typer.Exit(130) from None
    except Exception as exc:  # the flow itself failed (not one topic): say so in one line
        raise fail(failure_line("the run failed", exc, settings)) from None
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
    db: Annotated[Path, typer.Option(help="database for the demo")] = Path("data/demo.duckdb"),
) -> None:
    """Run the whole pipeline offline on the bundled sample feeds (no network, no API key)."""
    from parallax.cli.demo import SAMPLE_DATE, SampleFeedServer

    settings = load_settings()
    with SampleFeedServer(settings.topics_file) as server:
        os.environ["PARALLAX_GOOGLE_NEWS_URL"] = server.base_url
        os.environ["PARALLAX_DB"] = str(db.resolve())
        os.environ.pop("PARALLAX_LLM_MODEL", None)
        code = run_pipeline(server.topics, SAMPLE_DATE)
    if code == 0:
        typer.echo(
            f"\nDemo pages (sample data) are in {load_settings().content_dir}/<topic>/"
            f"{SAMPLE_DATE}.md; the database is {db}."
        )
    raise typer.Exit(code)


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
    settings = load_settings()
    applied = prepare_database(settings.db)
    typer.echo(f"{settings.db}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))
