"""The `parallax` command line."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from parallax.quiet import configure_quiet_env

configure_quiet_env()  # before Prefect is imported anywhere

from parallax import progress  # noqa: E402
from parallax.settings import Settings  # noqa: E402
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


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "PARALLAX_" + str(first["loc"][0]).upper()
        raise fail(f"{name}: {first['msg']}") from None


def prepare_database(db: Path) -> None:
    """Create or upgrade the schema before anything runs, so a problem is one clear line."""
    from tasks import storage

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
    prepare_database(settings.db)
    progress.enable_console()
    typer.echo(f"parallax: {day} · topics {', '.join(selected)} · db {settings.db}", err=True)

    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.daily import daily_digest

    # A failing task is reported by our one-line summary; Prefect would add a traceback.
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    # The heartbeat thread costs ~1 s per flow run to join and tells a one-shot run nothing.
    try:
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            results = daily_digest(topics=selected, date=day)
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
    from parallax.demo import SAMPLE_DATE, SampleFeedServer

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
    from tasks import storage

    settings = load_settings()
    with storage.connect(settings.db) as con:
        applied = storage.migrate(con)
    typer.echo(f"{settings.db}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))


def main() -> None:  # pragma: no cover - console script entry
    app()


from parallax import cli_analyst  # noqa: E402  (imports fail/load_settings from here)

app.command()(cli_analyst.sql)
app.command()(cli_analyst.export)
app.command(name="import-seed")(cli_analyst.import_seed)

from parallax import cli_outlets  # noqa: E402

app.command()(cli_outlets.classify)
app.add_typer(cli_outlets.outlets_app, name="outlets")


if __name__ == "__main__":  # python -m parallax.cli
    app()
