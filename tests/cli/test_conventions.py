"""Every command follows the same conventions: Typer's exit code 2 for usage errors, each
error one line, --version, --help, --db and -d/--date wherever they apply."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import version

import pytest
import typer
from typer.testing import CliRunner

from parallax.cli.app import app

runner = CliRunner()
TOMORROW = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()

# Every command, as its words on the command line.
COMMANDS = [
    ["run"], ["demo"], ["topics"], ["migrate"], ["backfill"], ["replay"], ["runs"], ["sql"],
    ["export"], ["import-seed"], ["classify"], ["relevance"], ["outlets", "unknown"],
]  # fmt: skip
# The commands that open the database, and those that take a day.
WITH_DB = [c for c in COMMANDS if c not in (["topics"], ["classify"], ["relevance"])]
WITH_DATE = [["run"], ["replay"]]


def _options(words: list[str]) -> set[str]:
    command = typer.main.get_command(app)
    for word in words:
        command = command.commands[word]  # type: ignore[attr-defined]
    return {opt for param in command.params for opt in param.opts}


def test_every_command_is_listed_here() -> None:
    group = typer.main.get_command(app)
    listed = {" ".join(c) for c in COMMANDS}
    found = set()
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        found |= {f"{name} {sub}" for sub in subcommands} if subcommands else {name}
    assert found == listed


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_help_exits_0(words: list[str]) -> None:
    result = runner.invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"parallax {version('parallax')}\n")


@pytest.mark.parametrize("words", WITH_DB, ids=" ".join)
def test_db_option_wherever_a_database_is_opened(words: list[str]) -> None:
    assert "--db" in _options(words)


@pytest.mark.parametrize("words", WITH_DATE, ids=" ".join)
def test_date_option_has_its_short_form(words: list[str]) -> None:
    assert {"--date", "-d"} <= _options(words)


def test_replay_stages_are_the_flows_choices() -> None:
    from flows.replay import REPLAY_STAGES
    from parallax.cli.ops import ReplayStage

    assert tuple(ReplayStage) == REPLAY_STAGES


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "--date", "07/02/2026"], "Invalid value for '--date'"),
        (["run", "--date", TOMORROW], f"'--date': {TOMORROW} is after today"),
        (["run", "--topic", "nope"], "'--topic': unknown topic 'nope'; configured topics:"),
        (["run", "--no-such-option"], "No such option: --no-such-option"),
        (["backfill", "--start", "2026-01-01"], "Missing option '--end'"),
        (["backfill", "--start", "2026-01-03", "--end", "2026-01-01"], "is before --start"),
        (["backfill", "--start", "2026-01-01", "--end", TOMORROW], "add --allow-future"),
        (["replay", "-t", "us-china", "-d", "2026-02-07", "--from-stage", "nope"], "'nope'"),
        (["sql", "SELECT 1", "--csv", "--json"], "choose one of --csv and --json"),
        (["export", "--out", "x", "--format", "xml"], "'--format'"),
        (["no-such-command"], "No such command 'no-such-command'"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_a_usage_error_is_one_line_and_exit_code_2(args: list[str], says: str, tmp_path) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert says in lines[0] and "--help" in lines[0]
    assert not (tmp_path / "parallax.duckdb").exists()  # PARALLAX_DB of the test (conftest)


def test_a_future_date_is_refused_by_the_flows_too(prefect_harness) -> None:
    """A deployment calls the flows without the CLI: they refuse it before any fetch."""
    from flows.backfill import backfill
    from flows.daily import daily_digest
    from parallax.window import FutureDateError

    tomorrow = dt.date.fromisoformat(TOMORROW)
    with pytest.raises(FutureDateError, match="add --allow-future"):
        daily_digest(topics=["us-china"], date=tomorrow)
    with pytest.raises(FutureDateError):
        backfill(start=tomorrow, end=tomorrow, topics=["us-china"])


def test_warnings_of_parallax_loggers_are_plain_lines(monkeypatch) -> None:
    """Not Prefect's timestamped console format: the CLI's own `warning:` lines."""
    import logging

    from parallax.cli import pipeline

    def settings_that_warn() -> None:
        logging.getLogger("parallax.limits").warning("slots of a killed run released")
        raise typer.Exit(0)

    monkeypatch.setattr(pipeline, "load_settings", settings_that_warn)
    result = runner.invoke(app, ["topics"])
    assert result.output.splitlines() == ["warning: slots of a killed run released"]
    assert logging.getLogger("parallax").propagate  # restored after the command
