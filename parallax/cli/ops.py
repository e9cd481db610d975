"""Operations commands: `parallax backfill`, `replay`, `runs`."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

import typer

from parallax.cli import output
from parallax.cli.checks import check_before_running, failure_line
from parallax.cli.common import (
    AllowExtractiveOpt,
    AllowFutureOpt,
    DayOpt,
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
from parallax.storage.lake import is_lake

DayOption = Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD")]


def backfill(
    start: DayOption,
    end: DayOption,
    topic: TopicOpt = None,
    force: Annotated[bool, typer.Option(help="re-run topic-days that already succeeded")] = False,
    db: DbOpt = None,
    allow_extractive: AllowExtractiveOpt = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Run every stage for each past day from --start to --end (inclusive); resumable."""
    settings = load_settings(db)
    first, last = start.date(), end.date()
    if last < first:
        raise typer.BadParameter(f"{last} is before --start {first}", param_hint="'--end'")
    refuse_future_date(last, allow_future, "--end")
    selected = [t.id for t in select_topics(settings, topic)]
    check_model_first(settings, allow_extractive)
    total = ((last - first).days + 1) * len(selected)
    if len(selected) > 1 and settings.backfill_processes != 1 and not is_lake(settings.db):
        from flows.parallel import forkserver  # processes: not on a lake, which fans out

        forkserver.warm_up(with_model=settings.llm_model is not None)
    api = launch_temporary_api()
    check_before_running(settings)
    output.info(
        f"parallax backfill: {first}..{last} · topics {', '.join(selected)} · {total} topic-days"
        f" · db {shown_db(settings.db)}"
    )

    from flows.backfill import BackfillReport
    from flows.backfill import backfill as backfill_flow
    from flows.parallel.threads import DayOutcome, observe
    from parallax.llm.preflight import ModelConfigError
    from parallax.storage.ledger import RunInProgressError

    with output.Progress("topic-days", total) as bar:

        def on_day(outcome: DayOutcome) -> None:
            if outcome.status == "skipped":  # not work: keep it out of the ETA
                bar.discount()
                return
            bar.advance()
            if outcome.status == "failed":
                bar.print(f"error: {outcome.topic} {outcome.day} failed: {outcome.reason}")

        try:
            with observe(on_day), prefect_quiet(api):
                report = backfill_flow(
                    start=first,
                    end=last,
                    topics=selected,
                    force=force,
                    allow_extractive=allow_extractive,
                    allow_future=allow_future,
                )
        except (RunInProgressError, ModelConfigError) as exc:
            bar.stop()
            raise fail(str(exc)) from None
        except typer.Exit:  # already reported in one line
            raise
        except Exception as exc:  # the flow itself failed (not one topic-day): one line
            bar.stop()
            raise fail(
                failure_line("the backfill failed", exc, settings) + "; every topic-day "
                "finished so far is saved, run the same command again to resume"
            ) from None
        except KeyboardInterrupt:
            bar.stop()
            raise fail(
                "interrupted: every topic-day finished so far is saved; run the same command "
                "again to resume",
                output.EXIT_INTERRUPTED,
            ) from None
    assert isinstance(report, BackfillReport)
    raise typer.Exit(_print_backfill_report(report))


def _print_backfill_report(report: object) -> int:
    """The backfill's table and last line; the exit code."""
    from flows.backfill import BackfillReport
    from flows.report import fallback_line

    assert isinstance(report, BackfillReport)
    reasons: dict[str, int] = {}
    for o in report.failed:
        reasons[o.reason or "unknown"] = reasons.get(o.reason or "unknown", 0) + 1
    rows = [
        ("done", report.count("done"), ""),
        ("skipped", report.count("skipped"), "already succeeded (use --force)"),
        ("failed", report.count("failed"), ""),
        *(("", n, reason[:160]) for reason, n in sorted(reasons.items(), key=lambda r: -r[1])[:10]),
    ]
    output.table(
        ("topic-days", "count", "reason"),
        rows,
        title=f"backfill {report.start}..{report.end} in {report.wall_s:.1f} s",
    )
    for o in report.failed[:20]:
        output.error(f"{o.topic} {o.day} failed (run {o.run_id}): {o.reason}")
    cut = sum(1 for o in report.outcomes if o.cut_feeds)
    if cut:
        output.info(
            f"note: feeds were cut at the limits (PARALLAX_FEED_MAX_ITEMS, "
            f"PARALLAX_FEED_MAX_BYTES) on {cut} topic-day(s); raw_fetches.items_cut and "
            "body_cut say which"
        )
    fell_back = [(f"{o.topic} {o.day}", o.fallback or "") for o in report.fell_back]
    if report.failed:
        return output.EXIT_FAILED
    if fell_back:
        output.warn(fallback_line(fell_back, report.count("done"), "topic-days"))
        return output.EXIT_FELL_BACK
    return output.EXIT_OK


class ReplayStage(StrEnum):
    """The stages a replay can start from (fetch is never replayed: its answers are stored)."""

    parse = "parse"
    dedupe = "dedupe"
    classify = "classify"
    relevance = "relevance"
    stories = "stories"
    select = "select"
    summarize = "summarize"
    publish = "publish"


def replay(
    topic: Annotated[str, typer.Option("--topic", "-t", help="topic id")],
    date: DayOpt,
    from_stage: Annotated[
        ReplayStage,
        typer.Option(help="first stage to recompute; earlier ones keep the day's stored rows"),
    ] = ReplayStage.parse,
    model: Annotated[
        str | None, typer.Option(help="litellm model for the summary, or 'extractive'")
    ] = None,
    db: DbOpt = None,
    allow_extractive: AllowExtractiveOpt = False,
    snapshot: Annotated[
        int | None,
        typer.Option(help="on a lake: replay from what it held at this snapshot id", min=0),
    ] = None,
) -> None:
    """Recompute a published day from its stored responses (no network); print the page diff."""
    settings = load_settings(db)
    select_topics(settings, [topic])
    if model is None:  # the configured model: check it now (another one: the flow does)
        check_model_first(settings, allow_extractive)
    api = launch_temporary_api()
    check_before_running(settings)
    from flows.replay import ReplayError
    from flows.replay import replay as replay_flow
    from parallax.llm.preflight import ModelConfigError
    from parallax.storage.ledger import RunInProgressError

    try:
        with prefect_quiet(api):
            result = replay_flow(
                topic=topic,
                date=date.date(),
                from_stage=from_stage.value,
                model=model,
                allow_extractive=allow_extractive,
                snapshot=snapshot,
            )
    except (ReplayError, RunInProgressError, ModelConfigError) as exc:
        raise fail(str(exc)) from None
    except typer.Exit:  # already reported in one line
        raise
    except Exception as exc:  # the flow itself failed: one line
        raise fail(failure_line("the replay failed", exc, settings)) from None
    if result.status != "succeeded":
        raise fail(result.outcome())
    output.info(f"{result.outcome()}; stored responses of run {result.fetch_run_id}, 0 feed "
                "requests")  # fmt: skip
    if result.diff:
        typer.echo(result.diff, nl=False)
    if result.fallback:
        output.warn(f"extractive summary instead of the model's: {result.fallback}")
        raise typer.Exit(output.EXIT_FELL_BACK)


def runs(
    failed: Annotated[bool, typer.Option("--failed", help="only failed/abandoned runs")] = False,
    topic: Annotated[str | None, typer.Option("--topic", "-t", help="one topic")] = None,
    limit: Annotated[int, typer.Option(min=1, help="how many, newest first")] = 20,
    db: DbOpt = None,
) -> None:
    """List the run ledger (runs and the stage that failed), newest first."""
    from parallax import storage
    from parallax.storage import ledger

    settings = load_settings(db)
    if not settings.db.exists():
        output.result(f"no runs yet ({settings.db} does not exist)")
        return
    try:
        rows = ledger.list_runs(settings.db, topic, failed, limit)
    except (storage.DatabaseBusyError, storage.DatabaseFileError) as exc:
        raise fail(str(exc)) from None
    if not rows:
        output.result("(no matching runs)")
        return
    table = []
    for r in rows:
        error = r["error"] or ""
        if r["failed_stage"]:
            error = f"[{r['failed_stage']}] {error}"
        table.append(
            (
                r["started_at"].astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
                r["run_id"],
                r["topic"],
                str(r["logical_date"]),
                r["kind"],
                r["status"],
                f"{r['seconds']:.1f}" if r["seconds"] is not None else "-",
                r["parent_run_id"] or "-",
                error[:120],
            )
        )
    output.table(
        ("started (UTC)", "run", "topic", "date", "kind", "status", "secs", "parent", "error"),
        table,
    )
