"""Operations commands: `parallax backfill`, `replay`, `runs`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from parallax.cli.checks import check_before_running, failure_line
from parallax.cli.common import DayArg, TopicOpt, fail, load_settings
from parallax.cli.runtime import launch_temporary_api, prefect_quiet
from parallax.topics import ConfigError, load_topics


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
    check_before_running(settings)
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
                failure_line("the backfill failed", exc, settings) + "; every topic-day "
                "finished so far is saved, run the same command again to resume"
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
    cut = sum(1 for o in report.outcomes if o.cut_feeds)
    if cut:
        typer.echo(
            f"note: feeds were cut at the limits (PARALLAX_FEED_MAX_ITEMS, "
            f"PARALLAX_FEED_MAX_BYTES) on {cut} topic-day(s); raw_fetches.items_cut and "
            "body_cut say which"
        )


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
    check_before_running(settings)
    from flows.replay import ReplayError
    from flows.replay import replay as replay_flow
    from parallax.storage.ledger import RunInProgressError

    try:
        with prefect_quiet(api):
            result = replay_flow(topic=topic, date=date.date(), from_stage=from_stage, model=model)
    except (ReplayError, RunInProgressError) as exc:
        raise fail(str(exc)) from None
    except typer.Exit:  # already reported in one line
        raise
    except Exception as exc:  # the flow itself failed: one line
        raise fail(failure_line("the replay failed", exc, settings)) from None
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
    except (storage.DatabaseBusyError, storage.DatabaseFileError) as exc:
        raise fail(f"PARALLAX_DB: {exc}") from None
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
