"""What the `parallax` commands share: their common options, validated settings, and the
checks a run makes before anything is fetched (topics, dates, the model)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from pydantic import ValidationError

from parallax.cli.output import fail
from parallax.settings import Settings
from parallax.topics import ConfigError, Topic, load_topics


def shown_db(db: object) -> str:
    """The database as a command may print it: a lake URL without its password."""
    from parallax.storage.lake import redact

    return redact(str(db))


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
DayOpt = Annotated[
    dt.datetime, typer.Option("--date", "-d", formats=["%Y-%m-%d"], help="YYYY-MM-DD")
]
DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db", help="DuckDB file (default: PARALLAX_DB, else data/parallax.duckdb)",
        show_default=False,
    ),
]  # fmt: skip
AllowFutureOpt = Annotated[
    bool, typer.Option("--allow-future", help="run a date after today (UTC) anyway")
]
AllowExtractiveOpt = Annotated[
    bool,
    typer.Option(
        "--allow-extractive",
        help="if the configured model cannot be used (no key, unknown model), publish the "
        "extractive summary instead of stopping (also PARALLAX_ALLOW_EXTRACTIVE)",
    ),
]


def load_settings(db: Path | None = None) -> Settings:
    """The settings, with ``db`` (a --db option) in place of PARALLAX_DB. The option is also
    put in the environment: the flows read their settings from it, as under a deployment."""
    from parallax import storage

    if db is not None:
        os.environ["PARALLAX_DB"] = str(db.resolve())
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "PARALLAX_" + str(first["loc"][0]).upper()
        raise fail(f"{name}: {first['msg']}") from None
    storage.configure(settings.db_wait_s, settings.lake_data_path)
    return settings


def select_topics(settings: Settings, ids: list[str] | None) -> list[Topic]:
    """The topics of --topic (default: every active one); a bad id is a usage error."""
    try:
        config = load_topics(settings.topics_file)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    try:
        return config.select(ids)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--topic'") from None


def refuse_future_date(day: dt.date, allow: bool, option: str) -> None:
    """A date after today (UTC) without --allow-future is a usage error (one line)."""
    from parallax.window import FutureDateError, refuse_future

    try:
        refuse_future(day, allow)
    except FutureDateError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'{option}'") from None


def check_model_first(settings: Settings, allow_extractive: bool) -> None:
    """The flow's pre-flight model check, made before Prefect starts: a misconfigured model is
    one line at once. (A Secret block needs the Prefect API: the flow checks that one.)"""
    llm = settings.llm_settings()
    if llm is None or settings.llm_api_key_secret:
        return
    from parallax.llm.preflight import ModelConfigError, check_model

    try:
        check_model(llm, None, allow_extractive or settings.allow_extractive)
    except ModelConfigError as exc:
        raise fail(str(exc)) from None


def read_input_csv(path: Path) -> pd.DataFrame:
    """A CSV given to a command, every column text; one error line when it cannot be read."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise fail(f"input file not found: {path}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: not a readable UTF-8 CSV ({str(exc).splitlines()[0]})") from None
