"""Pipeline commands: `parallax run`, `demo`, `topics`, `migrate`."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Annotated

import typer

from parallax import progress
from parallax.cli import output
from parallax.cli.checks import check_before_running, failure_line, prepare_database
from parallax.cli.common import (
    AllowExtractiveOpt,
    AllowFutureOpt,
    DateOpt,
    DbOpt,
    TopicOpt,
    check_model_first,
    load_settings,
    refuse_future_date,
    select_topics,
    shown_db,
)
from parallax.cli.output import fail
from parallax.cli.runtime import launch_temporary_api, prefect_quiet
from parallax.topics import ConfigError, load_topics


def run_pipeline(
    topics: list[str] | None,
    day: dt.date,
    *,
    allow_extractive: bool = False,
    allow_future: bool = False,
) -> int:
    """Run the daily flow in this process; print one line per topic and a summary line; the
    exit code (`output.EXIT_*`)."""
    started = time.monotonic()
    settings = load_settings()
    refuse_future_date(day, allow_future, "--date")
    selected = [t.id for t in select_topics(settings, topics)]
    check_model_first(settings, allow_extractive)
    api = launch_temporary_api()
    check_before_running(settings)
    progress.enable_console()
    output.info(f"parallax: {day} · topics {', '.join(selected)} · db {shown_db(settings.db)}")

    from flows.daily import TopicsFailedError, daily_digest
    from parallax.llm.preflight import ModelConfigError
    from parallax.storage.ledger import RunInProgressError

    try:
        with prefect_quiet(api):
            results = daily_digest(
                topics=selected,
                date=day,
                allow_extractive=allow_extractive,
                allow_future=allow_future,
            )
    except TopicsFailedError as exc:  # some topics failed: report every topic below
        results = exc.results
    except (RunInProgressError, ModelConfigError) as exc:
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
    for r in results:
        _print_topic(r)
    return _print_summary(results, time.monotonic() - started)


def _print_topic(r: object) -> None:
    from flows.topic_run import TopicResult

    assert isinstance(r, TopicResult)
    if r.status != "succeeded":
        output.error(
            f"{r.topic} failed: {r.error} (run {r.run_id}); fix the cause and re-run the same "
            "date: it is safe"
        )
        return
    sides = " ".join(f"{k}={v}" for k, v in sorted(r.per_side.items())) or "no articles"
    output.result(f"ok      {r.topic:<15} {sides:<24} {r.page}", "green")
    for w in r.warnings:
        output.warn(f"{r.topic}: {w}")
    for note in r.notes:
        output.result(f"        {r.topic:<15} note: {note}")


def _print_summary(results: list, seconds: float) -> int:
    """The run's last line: topics published, failed, fallen back (and why); the exit code."""
    from flows.report import fallback_line

    failed = [r for r in results if r.status != "succeeded"]
    fell_back = [(r.topic, r.fallback) for r in results if r.status == "succeeded" and r.fallback]
    line = f"{len(results) - len(failed)} of {len(results)} topics published in {seconds:.0f} s"
    if failed:
        output.error(f"{line}; {len(failed)} failed: {', '.join(r.topic for r in failed)}")
        return output.EXIT_FAILED
    if fell_back:
        output.warn(f"{line}; {fallback_line(fell_back, len(results))}")
        return output.EXIT_FELL_BACK
    output.result(line)
    return output.EXIT_OK


def run(
    topic: TopicOpt = None,
    date: DateOpt = None,
    db: DbOpt = None,
    allow_extractive: AllowExtractiveOpt = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Fetch, dedupe, classify, summarize and publish the digest of each topic for a date."""
    load_settings(db)
    day = date.date() if date else dt.datetime.now(dt.UTC).date()
    code = run_pipeline(topic, day, allow_extractive=allow_extractive, allow_future=allow_future)
    raise typer.Exit(code)


def demo(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="folder for everything the demo writes (default: demo/ in the project, the "
            "one the demo site of `make demo-site` reads)",
            show_default=False,
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Run the whole pipeline offline on the bundled sample feeds (no network, no API key).

    It writes only its own folder (database, pages marked as sample data, charts), which the
    live site never reads; with --db, the database goes there instead."""
    from parallax.cli.demo import DEMO_DIR, SAMPLE_DATE, SampleFeedServer
    from parallax.settings import demo_paths

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
    if code == output.EXIT_OK:
        # The demo site (site/config/demo/) mounts demo/ alone: the make targets show no other.
        in_demo_dir = (out or DEMO_DIR).resolve() == DEMO_DIR.resolve()
        site_hint = " `make demo-site` builds them into demo/public, `make demo-serve` shows them."
        output.result(
            f"Sample pages (invented headlines, marked as such) are in {_shown(paths.content)}/"
            f"<topic>/{SAMPLE_DATE}.md, the database is {_shown(db)}; the live site never reads "
            "them." + (site_hint if in_demo_dir else "")
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
    rows = [
        (
            t.id,
            "active" if t.active else "inactive",
            t.name,
            "; ".join(f"{p.id} ({', '.join(p.countries)})" for p in t.perspectives),
        )
        for t in config.topics
    ]
    output.table(("topic", "status", "name", "sides (countries)"), rows)


def migrate(db: DbOpt = None) -> None:
    """Create or upgrade the DuckDB schema (runs also do this on their own)."""
    from parallax.storage.analyst_copy import publish_analyst_copy

    settings = load_settings(db)
    applied = prepare_database(settings.db)
    publish_analyst_copy(settings.db)  # analysts have something to open before the first run
    where = shown_db(settings.db)
    output.result(f"{where}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))
