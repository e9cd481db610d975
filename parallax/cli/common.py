"""What every `parallax` command module shares: one-line failures, validated settings, and
the options several commands take."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from pydantic import ValidationError

from parallax.settings import Settings


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
DayArg = Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD")]
