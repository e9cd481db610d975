"""The temporary Prefect API of a CLI run: a failure to start is one clear line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from parallax.cli.app import app


@pytest.mark.parametrize(
    "args",
    [
        ["backfill", "--start", "2026-02-01", "--end", "2026-02-01", "--topic", "us-china"],
        ["run", "--date", "2026-02-01", "--topic", "us-china"],
    ],
)
def test_a_temporary_api_that_does_not_start_is_one_clear_line(args, tmp_path, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from parallax.cli import runtime as prefect_api

    monkeypatch.setattr(prefect_api, "APP", "parallax_no_such_module:create_app")
    monkeypatch.setattr(prefect_api.TemporaryAPI, "_running", None)
    monkeypatch.setenv("PARALLAX_DB", str(tmp_path / "p.duckdb"))
    # A one-shot run with no server configured (another test in this process may have one).
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert errors[0].startswith(
        "error: Prefect's temporary API did not start (the server exited with code 3: "
    ) and errors[0].endswith("); retry, or set PREFECT_API_URL to a running Prefect server")
    assert "parallax_no_such_module" in errors[0]
    assert "Traceback" not in result.output
