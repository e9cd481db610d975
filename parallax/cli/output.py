"""What every `parallax` command prints, in one style.

- Results go to stdout, progress and diagnostics to stderr, so ``parallax sql ... > out`` holds
  only the answer.
- A failure is one ``error:`` line saying what failed and what to do, and a documented exit
  code (`EXIT_*`); usage errors (Typer's, and ours raised as `typer.BadParameter`) are such a
  line too, with exit code 2 (`OneLineErrors`).
- Tables and progress: rich on a terminal; plain lines when the output is a file or a pipe
  (no box drawing, no redraws), so logs and ``grep`` read them.
- Warnings of Parallax's own loggers are ``warning:`` lines too (`plain_log_lines`), not
  Prefect's timestamped console lines.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

import typer
from typer.core import TyperGroup

EXIT_OK = 0
EXIT_FAILED = 1  # a topic (or the command) failed
EXIT_USAGE = 2  # bad options or arguments (Typer's convention)
EXIT_FELL_BACK = 3  # every page published, some with the extractive summary instead of the model's
EXIT_INTERRUPTED = 130  # Ctrl-C


def fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    """Print one error line; the caller raises what this returns (``raise fail(...)``)."""
    error(message)
    return typer.Exit(code)


def error(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)


def warn(message: str) -> None:
    typer.secho(f"warning: {message}", fg=typer.colors.YELLOW, err=True)


def info(message: str) -> None:
    """A diagnostic line (stderr): what the command is doing, not its result."""
    typer.echo(message, err=True)


def result(message: str, color: str | None = None) -> None:
    """A line of the command's result (stdout)."""
    typer.secho(message, fg=color)


def is_terminal(stream: TextIO) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    stream: TextIO | None = None,
) -> None:
    """A table: rich on a terminal, else a header line and one line per row, columns aligned
    with two spaces (cells on one line)."""
    stream = stream or sys.stdout
    cells = [[_one_line(v) for v in row] for row in rows]
    if is_terminal(stream):
        from rich.console import Console
        from rich.table import Table

        rich_table = Table(title=title, header_style="bold")
        for name in columns:
            rich_table.add_column(name, overflow="fold")
        for row in cells:
            rich_table.add_row(*row)
        Console(file=stream).print(rich_table)
        return
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    if title:
        print(title, file=stream)
    for row in [list(columns), *cells]:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip(), file=stream)


def _one_line(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


class Progress:
    """Progress of ``total`` units: a rich bar with ETA on a terminal (stderr); otherwise a
    plain line at every tenth of the work (and at the end)."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream or sys.stderr
        self._started = time.monotonic()
        self._next_line = 0.1
        self._bar: Any = None
        self._job: Any = None

    def __enter__(self) -> Progress:
        if is_terminal(self.stream):
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=Console(file=self.stream),
            )  # fmt: skip
            self._bar.start()
            self._job = self._bar.add_task(self.label, total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def advance(self) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.advance(self._job)
        elif (self.total and self.done / self.total >= self._next_line) or self.done == self.total:
            self._next_line = (int(10 * self.done / self.total) + 1) / 10 if self.total else 1
            seconds = time.monotonic() - self._started
            print(
                f"{self.label}: {self.done}/{self.total} ({self.done / self.total:.0%}) "
                f"in {seconds:.0f} s",
                file=self.stream,
                flush=True,
            )

    def discount(self) -> None:
        """One unit turned out not to be work (e.g. skipped): out of the total and the ETA."""
        self.total = max(self.total - 1, 0)
        if self._bar is not None:
            self._bar.update(self._job, total=self.total)

    def print(self, message: str) -> None:
        """A line above the bar (or a plain line)."""
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
        else:
            print(message, file=self.stream, flush=True)


class _PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


@contextmanager
def plain_log_lines() -> Iterator[None]:
    """While a command runs, warnings (and errors) of the ``parallax`` loggers are printed as
    ``warning: ...`` lines on stderr; Prefect's console handler on the root logger would print
    them in its own timestamped format. Restored afterwards (tests invoke many commands in one
    process)."""
    logger = logging.getLogger("parallax")
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(_PlainFormatter())
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


class OneLineErrors(TyperGroup):
    """The `parallax` group: a usage error (unknown option, bad value, missing argument) is
    one ``error:`` line naming the command's ``--help``, with exit code 2, like every other
    failure of the CLI, instead of a usage block and a boxed message."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            with plain_log_lines():
                code = super().main(
                    args, prog_name, complete_var, False, windows_expand_args, **extra
                )
        except typer.TyperException as exc:  # Typer's usage errors (exit code 2) and others
            context = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError":  # no arguments: the help, as Typer
                exc.show()  # type: ignore[attr-defined]
            else:
                hint = f" (see '{context.command_path} --help')" if context is not None else ""
                error(f"{exc.format_message()}{hint}")
            code = exc.exit_code
        except typer.Abort:
            error("aborted")
            code = EXIT_FAILED
        code = code if isinstance(code, int) else EXIT_OK
        if standalone_mode:
            sys.exit(code)
        return code
