"""The daily flow with an LLM summarizer served by the local stub (marked slow)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from parallax.cli.demo import SAMPLE_DATE, SampleFeedServer
from parallax.settings import Settings
from tests.support.llm_stub import (
    SENTINEL_KEY,
    STUB_MODEL,
    LLMStub,
    ReceivedRequest,
    StubReply,
    prompt_articles,
    valid_answer,
)

pytestmark = pytest.mark.slow
pytest_plugins = ["tests.support.llm_fixtures"]

CITATION = re.compile(r"\[\\\[(\d+)\\\]\]\(#source-(\d+)\)")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, llm_stub: LLMStub) -> Path:
    monkeypatch.setenv("PARALLAX_DB", str(tmp_path / "p.duckdb"))
    monkeypatch.setenv("PARALLAX_CONTENT_DIR", str(tmp_path / "content"))
    monkeypatch.setenv("PARALLAX_LLM_MODEL", STUB_MODEL)
    monkeypatch.setenv("PARALLAX_LLM_API_BASE", llm_stub.api_base)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("PARALLAX_CLASSIFY_WITH_LLM", "false")  # tested in test_classify_llm.py
    monkeypatch.setenv("PARALLAX_LLM_INPUT_COST_PER_TOKEN", "0.00000015")
    monkeypatch.setenv("PARALLAX_LLM_OUTPUT_COST_PER_TOKEN", "0.0000006")
    return tmp_path


def test_llm_pages_cite_valid_sources_and_replays_cost_no_calls(
    prefect_harness, env, monkeypatch, llm_stub
):
    from flows.daily import daily_digest

    llm_stub.responder = valid_answer
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (result,) = daily_digest(topics=["us-china"], date=SAMPLE_DATE)
        calls_first = len(llm_stub.requests)
        page = Path(result.page).read_text(encoding="utf-8")
        daily_digest(topics=["us-china"], date=SAMPLE_DATE)

    assert result.status == "succeeded" and calls_first == 1
    assert len(llm_stub.requests) == calls_first  # the re-run was answered from the cache
    assert f"summarizer: llm:{STUB_MODEL}" in page
    assert "## Where They Differ" in page
    sources = set(re.findall(r'<a id="source-(\d+)"></a>', page))
    body = page.split("---\n", 2)[2]
    bullets = [line for line in body.splitlines() if line.startswith("- ")]
    assert bullets and all(CITATION.search(b) for b in bullets)
    for line in bullets:
        for shown, target in CITATION.findall(line):
            assert shown == target and target in sources
    assert any(SENTINEL_KEY in str(r.headers) for r in llm_stub.requests)
    db = (env / "p.duckdb").read_bytes()
    assert SENTINEL_KEY.encode() not in db
    with duckdb.connect(str(env / "p.duckdb"), read_only=True) as con:
        calls = con.execute(
            "SELECT cache_hit, prompt_tokens, completion_tokens FROM llm_calls ORDER BY created_at"
        ).fetchall()
    assert calls[0] == (False, 120, 80) and calls[-1][0] is True


def off_topic_answer(request: ReceivedRequest) -> StubReply:
    """A valid summary that judges the last listed article off-topic (and cites it nowhere)."""
    last = prompt_articles(request)[-1][0]
    answer = json.loads(valid_answer(request).content)
    for key in ("highlights", "differences"):
        for bullet in answer[key]:
            bullet["citations"] = [c for c in bullet["citations"] if c != last]
    for bullets in answer["sides"].values():
        for bullet in bullets:
            bullet["citations"] = [c for c in bullet["citations"] if c != last]
    answer["off_topic"] = [last]
    return StubReply.json(answer)


def test_publish_renders_what_summarize_stored(prefect_harness, env, monkeypatch, llm_stub):
    """Publish gets the summarized page in memory; replaying only the publish stage reads it
    back from the database instead, and must give the same bytes (off-topic drop included)."""
    from flows.daily import daily_digest
    from flows.replay import replay

    llm_stub.responder = off_topic_answer
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (result,) = daily_digest(topics=["us-china"], date=SAMPLE_DATE)
    page = Path(result.page).read_text(encoding="utf-8")
    with duckdb.connect(str(env / "p.duckdb"), read_only=True) as con:
        (off_topic,) = con.execute("SELECT off_topic FROM summaries").fetchall()[0]
        (selected,) = con.execute("SELECT count(*) FROM selections").fetchall()[0]
        (listed,) = con.execute("SELECT count(*) FROM page_articles").fetchall()[0]
    assert len(json.loads(off_topic)) == 1
    # select's choice stays as select stored it; the page and the run's counts leave it off
    assert page.count('<a id="source-') == listed == selected - 1 == sum(result.per_side.values())

    again = replay(topic="us-china", date=SAMPLE_DATE, from_stage="publish")
    assert again.status == "succeeded" and again.diff == ""
    assert Path(again.page).read_text(encoding="utf-8") == page


def test_invalid_answers_fall_back_to_extractive_with_the_reason(
    prefect_harness, env, monkeypatch, llm_stub
):
    from flows.daily import daily_digest

    llm_stub.script(StubReply.text("not json at all"), StubReply.json({"highlights": []}))
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (result,) = daily_digest(topics=["venezuela"], date=SAMPLE_DATE)

    page = Path(result.page).read_text(encoding="utf-8")
    assert result.status == "succeeded" and len(llm_stub.requests) == 2
    assert "summarizer: extractive" in page
    with duckdb.connect(str(env / "p.duckdb"), read_only=True) as con:
        (note,) = con.execute("SELECT note FROM summaries").fetchone()
        errors = con.execute(
            "SELECT validation_errors FROM llm_calls ORDER BY created_at"
        ).fetchall()
    assert "fell back" in note.lower() or "extractive" in note.lower()
    assert any("invalid JSON" in e for e in errors[0][0])
    assert errors[1][0]  # the repair answer was rejected too, and says why


def test_api_key_from_a_prefect_secret_block(prefect_harness):
    from prefect.blocks.system import Secret

    from parallax.llm import load_api_key

    Secret(value=SENTINEL_KEY).save("parallax-test-llm-key", overwrite=True)
    assert load_api_key("parallax-test-llm-key") == SENTINEL_KEY
    assert load_api_key(None) is None
