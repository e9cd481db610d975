"""What every `parallax` command module shares: one-line failures and validated settings."""

from __future__ import annotations

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
