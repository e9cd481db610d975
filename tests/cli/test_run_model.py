"""`parallax run` with a model: a misconfigured one stops the run before any fetch (one line,
exit 1) unless the fallback is allowed; every fallback is counted in the last line, with exit
code 3, a warning artifact and a "Fell back" state in Prefect."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from parallax.cli.app import app
from parallax.cli.demo import SAMPLE_DATE, SampleFeedServer
from parallax.settings import Settings
from tests.support.llm_stub import SENTINEL_KEY, STUB_MODEL, LLMStub, StubReply

pytestmark = pytest.mark.slow
pytest_plugins = ["tests.support.llm_fixtures"]
runner = CliRunner()


@pytest.fixture
def feeds(monkeypatch: pytest.MonkeyPatch) -> SampleFeedServer:
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        monkeypatch.setenv("PARALLAX_CLASSIFY_WITH_LLM", "false")
        monkeypatch.setenv("PARALLAX_RELEVANCE_WITH_LLM", "false")  # the summary's calls only
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        yield server


def _run(*extra: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["run", "-t", "venezuela", "-d", str(SAMPLE_DATE), *extra])
    return result.exit_code, result.output.splitlines()


def _note(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT note FROM summaries").fetchall()[0][0]


def test_a_model_without_its_key_stops_the_run_before_any_fetch(feeds, tmp_path, monkeypatch):
    monkeypatch.setenv("PARALLAX_LLM_MODEL", "gpt-4o-mini")
    code, lines = _run()
    assert code == 1
    assert lines == [
        "error: PARALLAX_LLM_MODEL=gpt-4o-mini: no API key for 'gpt-4o-mini': set "
        "OPENAI_API_KEY (or name a Prefect Secret block in PARALLAX_LLM_API_KEY_SECRET). "
        "Nothing was fetched; fix it, or allow the extractive summary instead "
        "(--allow-extractive or PARALLAX_ALLOW_EXTRACTIVE=true)"
    ]
    assert feeds.requests == [] and not (tmp_path / "parallax.duckdb").exists()


def test_a_misspelled_model_stops_the_run_too(feeds, tmp_path, monkeypatch):
    monkeypatch.setenv("PARALLAX_LLM_MODEL", "openai/gpt-4o-mni")
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    code, lines = _run()
    assert code == 1 and len(lines) == 1
    assert "litellm's model list has no 'openai/gpt-4o-mni'" in lines[0]
    assert feeds.requests == []


def test_an_allowed_fallback_publishes_extractive_pages_and_says_so(
    prefect_harness, feeds, tmp_path, monkeypatch
):
    monkeypatch.setenv("PARALLAX_LLM_MODEL", "gpt-4o-mini")
    code, lines = _run("--allow-extractive")
    assert code == 3, lines
    assert feeds.requests  # the run went on
    assert lines[-1].startswith("warning: 1 of 1 topics published in ") and lines[-1].endswith(
        "; 1 of 1 topics fell back to the extractive summary: model not used: no API key for "
        "'gpt-4o-mini': set OPENAI_API_KEY (or name a Prefect Secret block in "
        "PARALLAX_LLM_API_KEY_SECRET); extractive summary shown (venezuela)"
    )
    assert _note(tmp_path / "parallax.duckdb").startswith("model not used: no API key")


def test_answers_that_fail_validation_end_with_exit_code_3(
    prefect_harness, feeds, tmp_path, monkeypatch, llm_stub: LLMStub
):
    monkeypatch.setenv("PARALLAX_LLM_MODEL", STUB_MODEL)
    monkeypatch.setenv("PARALLAX_LLM_API_BASE", llm_stub.api_base)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    llm_stub.answer_translations = True
    llm_stub.script(StubReply.text("not json at all"), StubReply.json({"highlights": []}))
    code, lines = _run()
    assert code == 3, lines
    reason = _note(tmp_path / "parallax.duckdb")
    assert reason.startswith("LLM answer invalid after one repair attempt")
    assert any(line.startswith("warning: venezuela: extractive summary instead") for line in lines)
    assert "1 of 1 topics fell back to the extractive summary: LLM answer invalid" in lines[-1]


def test_the_flow_run_of_a_fallback_is_marked_in_prefect(
    prefect_harness, feeds, tmp_path, monkeypatch, caplog
):
    """What a deployment shows: the run's state is named "Fell back", with the summary line as
    its message, and a warning artifact lists what fell back and why."""
    from prefect.client.orchestration import get_client

    from flows.daily import daily_digest

    monkeypatch.setenv("PARALLAX_LLM_MODEL", "gpt-4o-mini")
    run_log = logging.getLogger("prefect.flow_runs")
    level = run_log.level
    run_log.setLevel(logging.INFO)  # a CLI test in this process may have quietened it
    run_log.addHandler(caplog.handler)
    try:
        state = daily_digest(
            topics=["venezuela"], date=SAMPLE_DATE, allow_extractive=True, return_state=True
        )
    finally:
        run_log.removeHandler(caplog.handler)
        run_log.setLevel(level)
    logged = [r.getMessage() for r in caplog.records if r.name == "prefect.flow_runs"]
    assert any(
        line.startswith(f"venezuela {SAMPLE_DATE} ok: ")
        and "extractive summary: model not used" in line
        for line in logged
    ), logged  # the topic's outcome line
    assert any(line.startswith("1 of 1 topics fell back") for line in logged)
    assert state.is_completed() and state.name == "Fell back"
    assert (state.message or "").startswith("1 of 1 topics fell back to the extractive summary")
    (result,) = state.result()
    assert result.fallback.startswith("model not used: no API key")
    with get_client(sync_client=True) as client:
        artifact = client.read_latest_artifacts(limit=50)
    warning = next(a for a in artifact if a.key == "summary-fallbacks")
    assert "venezuela" in str(warning.data) and "no API key" in str(warning.data)
