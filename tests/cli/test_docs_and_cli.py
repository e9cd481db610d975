"""The README documents every command, setting and flow; the CLI fails with clear lines."""

import re
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from parallax.cli.app import app
from parallax.settings import Settings
from tests.support.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def _commands() -> list[str]:
    names = []
    for cmd in app.registered_commands:
        names.append(cmd.name or cmd.callback.__name__.replace("_", "-"))  # type: ignore[union-attr]
    for group in app.registered_groups:
        names.append(group.name or "")
    return names


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command):
    assert f"parallax {command}" in README


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme_and_env_example(field):
    var = f"PARALLAX_{field.upper()}"
    assert var in README
    assert var in (REPO / ".env.example").read_text(encoding="utf-8")


def test_every_deployment_is_documented():
    config = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    for deployment in config["deployments"]:
        assert f"`{deployment['name']}`" in README
        assert deployment["entrypoint"].split(":")[0] in README


def test_every_deployment_has_tags_and_its_own_settings():
    config = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    for deployment in config["deployments"]:
        assert "parallax" in deployment["tags"] and len(deployment["tags"]) > 1
        assert deployment["work_pool"]["job_variables"]["env"], deployment["name"]


def test_readme_quick_start_is_two_make_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert re.findall(r"^make \w+", quick, re.MULTILINE) == ["make demo", "make test"]


def test_topics_command_lists_sides_and_countries():
    result = runner.invoke(app, ["topics"])
    assert result.exit_code == 0
    assert "us-china" in result.output and "china (CN, HK)" in result.output


def test_bad_setting_is_one_clear_line(monkeypatch):
    monkeypatch.setenv("PARALLAX_FETCH_RETRIES", "many")
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 1
    assert "error: PARALLAX_FETCH_RETRIES:" in result.output


def test_python_dash_m_parallax_cli_runs() -> None:
    """benchmarks/backfill.py starts the CLI as `python -m parallax.cli.app`; registering the
    analyst commands from the __main__ copy used to fail with a circular import."""
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "parallax.cli", "--help"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "backfill" in out.stdout


def test_cli_module_loads_as_a_spawned_workers_main() -> None:
    """A spawned process (multiprocessing) re-runs ``python -m parallax.cli`` as __mp_main__:
    the command modules must not import the CLI back (that failed half-initialised)."""
    code = "import runpy; runpy.run_module('parallax.cli', run_name='__mp_main__')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
