"""The `parallax` command line: every command is registered here, in one place.

The commands live by subject: pipeline.py (run, demo, topics, migrate), ops.py (backfill,
replay, runs), analyst.py (sql, export, import-seed), outlets.py (classify, outlets unknown),
relevance.py (relevance).
"""

from __future__ import annotations

import atexit
import gc
import signal
from typing import Annotated

import typer

from parallax import lifetime
from parallax.quiet import configure_quiet_env

configure_quiet_env()  # before Prefect is imported anywhere
# Registered first, so it runs last: the interpreter's final garbage collection walks the whole
# heap (Prefect, pydantic, litellm) for a second or more after every command; frozen objects
# are skipped.
atexit.register(gc.freeze)

from parallax.cli import analyst, ops, outlets, pipeline, relevance  # noqa: E402
from parallax.cli.output import OneLineErrors  # noqa: E402

app = typer.Typer(
    cls=OneLineErrors,
    help="Parallax: daily multi-perspective news digests. See README.md.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"parallax {version('parallax')}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Parallax: daily multi-perspective news digests. See README.md."""


app.command()(pipeline.run)
app.command()(pipeline.demo)
app.command()(pipeline.topics)
app.command()(pipeline.migrate)
app.command()(ops.backfill)
app.command()(ops.replay)
app.command()(ops.runs)
app.command()(analyst.sql)
app.command()(analyst.export)
app.command(name="import-seed")(analyst.import_seed)
app.command()(outlets.classify)
app.command()(relevance.relevance)
app.add_typer(outlets.outlets_app, name="outlets")


def main() -> None:
    """The `parallax` command as a process: what it starts ends with it (parallax/lifetime.py),
    and SIGTERM stops it like Ctrl-C (running work finishes and is recorded, then it exits)."""
    lifetime.use_private_temp_dir()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    app()


if __name__ == "__main__":
    main()
