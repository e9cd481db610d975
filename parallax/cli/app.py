"""The `parallax` command line."""

from __future__ import annotations

import atexit
import datetime as dt
import gc
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from parallax.quiet import configure_quiet_env

configure_quiet_env()  # before Prefect is imported anywhere
# Registered first, so it runs last: the interpreter's final garbage collection walked the
# whole heap (Prefect, pydantic, litellm) for ~1.2 s after every command; frozen objects are
# skipped.
atexit.register(gc.freeze)

from parallax import progress  # noqa: E402
from parallax.cli import analyst as cli_analyst  # noqa: E402
from parallax.cli import outlets as cli_outlets  # noqa: E402
from parallax.cli.common import fail, load_settings  # noqa: E402
from parallax.cli.runtime import TemporaryAPI, TemporaryAPIError  # noqa: E402
from parallax.topics import ConfigError, load_topics  # noqa: E402

app = typer.Typer(
    help="Parallax: daily multi-perspective news digests. See README.md.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

TopicOpt = Annotated[
    list[str] | None,
    typer.Option("--topic", "-t", help="topic id (repeatable); default: all active topics"),
]
DateOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        "--date", "-d", formats=["%Y-%m-%d"], help="logical date, YYYY-MM-DD (default: today, UTC)"
    ),
]


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


@app.command()
def run(topic: TopicOpt = None, date: DateOpt = None) -> None:
    """Fetch, dedupe, classify, summarize and publish the digest of each topic for a date."""
    day = date.date() if date else dt.datetime.now(dt.UTC).date()
    raise typer.Exit(run_pipeline(topic, day))


@app.command()
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


@app.command()
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


@app.command()
def migrate() -> None:
    """Create or upgrade the DuckDB schema (runs also do this on their own)."""
    from parallax import storage

    settings = load_settings()
    with storage.connect(settings.db) as con:
        applied = storage.migrate(con)
    typer.echo(f"{settings.db}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))


# --- operations: backfill, replay, runs (issue 6) -----------------------------------------

DayArg = Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD")]


def launch_temporary_api() -> TemporaryAPI | None:
    """Start Prefect's temporary API now, unless a server is configured (prefect_api.py)."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url:
        return None
    return TemporaryAPI.shared(settings.server.ephemeral.startup_timeout_seconds)


@contextmanager
def prefect_quiet(api: TemporaryAPI | None) -> Iterator[None]:
    """A one-shot flow run on ``api`` (None: the configured server): no heartbeat thread, and
    failures reported by our own lines."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    # A failing task is reported by our one-line summary (Prefect would add a traceback); a slot
    # wait on a concurrency limit is reported by tasks/limits.py (see quiet.py).
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    updates: dict = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}  # ~1 s per flow run to join
    if api is not None:
        try:
            updates[PREFECT_API_URL] = api.url()
        except TemporaryAPIError as exc:
            raise fail(
                f"Prefect's temporary API did not start ({exc}); retry, or set PREFECT_API_URL "
                "to a running Prefect server"
            ) from None
    with temporary_settings(updates=updates):
        yield


@app.command()
def backfill(
    start: DayArg,
    end: DayArg,
    topic: TopicOpt = None,
    force: Annotated[bool, typer.Option(help="re-run topic-days that already succeeded")] = False,
) -> None:
    """Run every stage for each past day from --start to --end (inclusive); resumable."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    settings = load_settings()
    first, last = start.date(), end.date()
    if last < first:
        raise fail(f"--end {last} is before --start {first}")
    try:
        selected = [t.id for t in load_topics(settings.topics_file).select(topic)]
    except ConfigError as exc:
        raise fail(str(exc)) from None
    total = ((last - first).days + 1) * len(selected)
    if len(selected) > 1 and settings.backfill_processes != 1:
        from flows.parallel import forkserver

        forkserver.warm_up(with_model=settings.llm_model is not None)
    api = launch_temporary_api()
    console = Console(stderr=True)
    console.print(
        f"parallax backfill: {first}..{last} · topics {', '.join(selected)} · {total} topic-days"
        f" · db {settings.db}"
    )

    from flows.backfill import backfill as backfill_flow
    from flows.parallel.threads import DayOutcome, observe
    from parallax.storage.ledger import RunInProgressError

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        job = bar.add_task("topic-days", total=total)

        def on_day(outcome: DayOutcome) -> None:
            if outcome.status == "skipped":  # not work: keep it out of the ETA
                bar.update(job, total=(bar.tasks[0].total or 1) - 1)
                return
            bar.advance(job)
            if outcome.status == "failed":
                bar.console.print(f"FAILED  {outcome.topic:<15} {outcome.day} {outcome.reason}")

        try:
            with observe(on_day), prefect_quiet(api):
                report = backfill_flow(start=first, end=last, topics=selected, force=force)
        except RunInProgressError as exc:
            bar.stop()
            raise fail(str(exc)) from None
        except typer.Exit:  # already reported in one line
            bar.stop()
            raise
        except Exception as exc:  # the flow itself failed (not one topic-day): one line
            bar.stop()
            raise fail(
                f"the backfill failed: {type(exc).__name__}: {exc}; every topic-day finished "
                "so far is saved, run the same command again to resume"
            ) from None
        except KeyboardInterrupt:
            bar.stop()
            typer.secho(
                "interrupted: every topic-day finished so far is saved; run the same command "
                "again to resume",
                fg=typer.colors.YELLOW,
                err=True,
            )
            raise typer.Exit(130) from None
    _print_backfill_table(report)
    raise typer.Exit(1 if report.failed else 0)


def _print_backfill_table(report: object) -> None:
    from rich.console import Console
    from rich.table import Table

    from flows.backfill import BackfillReport

    assert isinstance(report, BackfillReport)
    table = Table(title=f"backfill {report.start}..{report.end} in {report.wall_s:.1f} s")
    table.add_column("topic-days")
    table.add_column("count", justify="right")
    table.add_column("reason")
    table.add_row("done", str(report.count("done")), "")
    table.add_row("skipped", str(report.count("skipped")), "already succeeded (use --force)")
    reasons: dict[str, int] = {}
    for o in report.failed:
        reasons[o.reason or "unknown"] = reasons.get(o.reason or "unknown", 0) + 1
    table.add_row("failed", str(report.count("failed")), "")
    for reason, n in sorted(reasons.items(), key=lambda r: -r[1])[:10]:
        table.add_row("", str(n), reason[:160])
    Console(width=160).print(table)
    for o in report.failed[:20]:
        typer.echo(f"failed  {o.topic:<15} {o.day} run {o.run_id}: {o.reason}")


@app.command()
def replay(
    topic: Annotated[str, typer.Option("--topic", "-t", help="topic id")],
    date: DayArg,
    from_stage: Annotated[
        str, typer.Option(help="first stage to recompute: parse, dedupe, classify, select, ...")
    ] = "parse",
    model: Annotated[
        str | None, typer.Option(help="litellm model for the summary, or 'extractive'")
    ] = None,
) -> None:
    """Recompute a published day from its stored responses (no network); print the page diff."""
    settings = load_settings()
    try:
        load_topics(settings.topics_file).get(topic)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    api = launch_temporary_api()
    from flows.replay import ReplayError
    from flows.replay import replay as replay_flow
    from parallax.storage.ledger import RunInProgressError

    try:
        with prefect_quiet(api):
            result = replay_flow(topic=topic, date=date.date(), from_stage=from_stage, model=model)
    except (ReplayError, RunInProgressError) as exc:
        raise fail(str(exc)) from None
    if result.status != "succeeded":
        raise fail(f"replay {topic} {result.logical_date} failed: {result.error} "
                   f"(run {result.run_id})")  # fmt: skip
    typer.echo(
        f"replay  {topic} {result.logical_date}: run {result.run_id}, parent {result.parent_run_id}"
        f", stored responses of run {result.fetch_run_id}, 0 feed requests",
        err=True,
    )
    if result.diff:
        typer.echo(result.diff, nl=False)
    else:
        typer.echo(f"identical: the replayed page equals the published one ({result.page})")


@app.command()
def runs(
    failed: Annotated[bool, typer.Option("--failed", help="only failed/abandoned runs")] = False,
    topic: Annotated[str | None, typer.Option("--topic", "-t", help="one topic")] = None,
    limit: Annotated[int, typer.Option(min=1, help="how many, newest first")] = 20,
) -> None:
    """List the run ledger (runs and the stage that failed), newest first."""
    from parallax import storage
    from parallax.storage import ledger

    settings = load_settings()
    if not settings.db.exists():
        typer.echo(f"no runs yet ({settings.db} does not exist)")
        return
    try:
        rows = ledger.list_runs(settings.db, topic, failed, limit)
    except storage.DatabaseBusyError as exc:
        raise fail(str(exc)) from None
    typer.echo(
        f"{'started (UTC)':<16}  {'run':<16}  {'topic':<15} {'date':<10}  {'kind':<8} "
        f"{'status':<9} {'secs':>6}  {'parent':<16}  error"
    )
    for r in rows:
        started = r["started_at"].astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
        secs = f"{r['seconds']:.1f}" if r["seconds"] is not None else "-"
        error = r["error"] or ""
        if r["failed_stage"]:
            error = f"[{r['failed_stage']}] {error}"
        typer.echo(
            f"{started:<16}  {r['run_id']:<16}  {r['topic']:<15} {r['logical_date']!s:<10}  "
            f"{r['kind']:<8} {r['status']:<9} {secs:>6}  {r['parent_run_id'] or '-':<16}  "
            f"{error[:120]}".rstrip()
        )
    if not rows:
        typer.echo("(no matching runs)")


def main() -> None:  # pragma: no cover - console script entry
    app()


app.command()(cli_analyst.sql)
app.command()(cli_analyst.export)
app.command(name="import-seed")(cli_analyst.import_seed)
app.command()(cli_outlets.classify)
app.add_typer(cli_outlets.outlets_app, name="outlets")


if __name__ == "__main__":
    app()
