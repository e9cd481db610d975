"""The daily flow with an LLM summarizer served by the local stub (marked slow)."""

from __future__ import annotations

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
    any_answer,
    is_translation,
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
    monkeypatch.setenv("PARALLAX_RELEVANCE_WITH_LLM", "false")  # tested below, on its own
    monkeypatch.setenv("PARALLAX_LLM_INPUT_COST_PER_TOKEN", "0.00000015")
    monkeypatch.setenv("PARALLAX_LLM_OUTPUT_COST_PER_TOKEN", "0.0000006")
    return tmp_path


def test_llm_pages_cite_valid_sources_and_replays_cost_no_calls(
    prefect_harness, env, monkeypatch, llm_stub
):
    from flows.daily import daily_digest

    llm_stub.responder = valid_answer
    llm_stub.answer_translations = True  # the Chinese side's headlines
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (result,) = daily_digest(topics=["us-china"], date=SAMPLE_DATE)
        calls_first = len(llm_stub.requests)
        page = Path(result.page).read_text(encoding="utf-8")
        daily_digest(topics=["us-china"], date=SAMPLE_DATE)

    assert result.status == "succeeded" and calls_first == 2  # the summary, one translation
    assert len(llm_stub.requests) == calls_first  # the re-run was answered from the cache
    assert f"summarizer: llm:{STUB_MODEL}" in page
    assert "## Where They Differ" in page
    sources = set(re.findall(r'<a id="source-(\d+)"></a>', page))
    body = page.split("---\n", 2)[2].split("## Overall Highlights", 1)[1]  # notes cite nothing
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


def test_publish_renders_what_summarize_stored(prefect_harness, env, monkeypatch, llm_stub):
    """Publish gets the summarized page in memory; replaying only the publish stage reads it
    back from the database instead, and must give the same bytes."""
    from flows.daily import daily_digest
    from flows.replay import replay

    llm_stub.responder = valid_answer
    llm_stub.answer_translations = True  # the Chinese side's headlines
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (result,) = daily_digest(topics=["us-china"], date=SAMPLE_DATE)
    page = Path(result.page).read_text(encoding="utf-8")
    with duckdb.connect(str(env / "p.duckdb"), read_only=True) as con:
        (selected,) = con.execute("SELECT count(*) FROM selections").fetchall()[0]
        (listed,) = con.execute("SELECT count(*) FROM page_articles").fetchall()[0]
    assert selected > 0
    assert page.count('<a id="source-') == listed == selected == sum(result.per_side.values())

    again = replay(topic="us-china", date=SAMPLE_DATE, from_stage="publish")
    assert again.status == "succeeded" and again.diff == ""
    assert Path(again.page).read_text(encoding="utf-8") == page


def test_invalid_answers_fall_back_to_extractive_with_the_reason(
    prefect_harness, env, monkeypatch, llm_stub
):
    from flows.daily import daily_digest

    llm_stub.answer_translations = True  # Spanish headlines: one translation call besides
    llm_stub.script(StubReply.text("not json at all"), StubReply.json({"highlights": []}))
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (result,) = daily_digest(topics=["venezuela"], date=SAMPLE_DATE)

    page = Path(result.page).read_text(encoding="utf-8")
    summaries = [r for r in llm_stub.requests if not is_translation(r)]
    assert result.status == "succeeded" and len(summaries) == 2
    assert "summarizer: extractive" in page
    with duckdb.connect(str(env / "p.duckdb"), read_only=True) as con:
        (note,) = con.execute("SELECT note FROM summaries").fetchone()
        errors = con.execute(
            "SELECT validation_errors FROM llm_calls WHERE purpose LIKE 'summarize%'"
            " ORDER BY created_at"
        ).fetchall()
    assert "fell back" in note.lower() or "extractive" in note.lower()
    assert any("invalid JSON" in e for e in errors[0][0])
    assert errors[1][0]  # the repair answer was rejected too, and says why
    assert "## Coverage Notes" in page  # the reader is told, in words
    assert "The summary is built from the headlines, not written by the model" in page


def test_api_key_from_a_prefect_secret_block(prefect_harness):
    from prefect.blocks.system import Secret

    from parallax.llm import load_api_key

    Secret(value=SENTINEL_KEY).save("parallax-test-llm-key", overwrite=True)
    assert load_api_key("parallax-test-llm-key") == SENTINEL_KEY
    assert load_api_key(None) is None


def test_the_model_judges_relevance_in_one_call_and_a_replay_makes_none(
    prefect_harness, env, monkeypatch, llm_stub
):
    from flows.daily import daily_digest
    from flows.replay import replay

    monkeypatch.setenv("PARALLAX_RELEVANCE_WITH_LLM", "true")
    llm_stub.responder = any_answer
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (result,) = daily_digest(topics=["india-pakistan"], date=SAMPLE_DATE)
    judged = [r for r in llm_stub.requests if "You judge whether" in str(r.messages[0]["content"])]
    assert result.status == "succeeded" and len(judged) == 1  # one batch for the topic-day
    with duckdb.connect(str(env / "p.duckdb"), read_only=True) as con:
        methods = con.execute("SELECT DISTINCT method FROM article_relevance").fetchall()
        purposes = con.execute("SELECT DISTINCT purpose FROM llm_calls").fetchall()
    assert methods == [(f"llm:{STUB_MODEL}",)]
    assert ("relevance:india-pakistan:2026-01-15",) in purposes
    calls = len(llm_stub.requests)
    again = replay(topic="india-pakistan", date=SAMPLE_DATE)
    assert again.status == "succeeded" and again.diff == "" and len(llm_stub.requests) == calls


def test_a_rejected_relevance_answer_is_judged_locally_and_the_page_says_so(
    prefect_harness, env, monkeypatch, llm_stub
):
    from flows.daily import daily_digest

    monkeypatch.setenv("PARALLAX_RELEVANCE_WITH_LLM", "true")

    def broken_relevance(request: ReceivedRequest) -> StubReply:
        if any("You judge whether" in str(m["content"]) for m in request.messages):
            return StubReply.json({"judgements": [{"id": 1, "on_topic": "maybe"}]})
        return any_answer(request)

    llm_stub.responder = broken_relevance
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (result,) = daily_digest(topics=["india-pakistan"], date=SAMPLE_DATE)
    page = Path(result.page).read_text(encoding="utf-8")
    assert result.status == "succeeded"
    assert any(w.startswith("relevance judged locally: answer invalid") for w in result.warnings)
    assert "was decided by the local scorer, not the model: answer invalid after one repair" in page
    with duckdb.connect(str(env / "p.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT DISTINCT method, fallback IS NOT NULL FROM article_relevance")
        methods = rows.fetchall()
    assert len(methods) == 1 and methods[0][0].startswith("local:") and methods[0][1]


def test_non_english_headlines_are_rendered_in_english_in_one_call_and_a_replay_makes_none(
    prefect_harness, env, monkeypatch, llm_stub
):
    from flows.daily import daily_digest
    from flows.replay import replay

    llm_stub.responder = any_answer
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (result,) = daily_digest(topics=["india-pakistan"], date=SAMPLE_DATE)
    asked = [r for r in llm_stub.requests if "You translate" in str(r.messages[0]["content"])]
    assert result.status == "succeeded" and len(asked) == 1
    with duckdb.connect(str(env / "p.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT t.language, t.translation, a.title FROM headline_translations t"
            " JOIN articles a USING (topic, logical_date, article_id)"
        ).fetchall()
        listed = con.execute(
            "SELECT count(*) FROM page_articles p JOIN articles a USING (topic, logical_date,"
            " article_id) WHERE a.language <> 'en'"
        ).fetchall()[0][0]
    assert rows and len(rows) == listed  # every non-English headline on the page
    assert all(lang in ("hi", "ur") and text == f"English of {title}" for lang, text, title in rows)
    page = Path(result.page).read_text(encoding="utf-8")
    assert page.count("— English: “English of ") == listed
    calls = len(llm_stub.requests)
    again = replay(topic="india-pakistan", date=SAMPLE_DATE)
    assert again.status == "succeeded" and again.diff == "" and len(llm_stub.requests) == calls


def test_a_failed_translation_leaves_the_originals_and_the_page_says_why(
    prefect_harness, env, monkeypatch, llm_stub
):
    from flows.daily import daily_digest

    def no_translations(request: ReceivedRequest) -> StubReply:
        if "You translate" in str(request.messages[0]["content"]):
            return StubReply.json({"translations": []})
        return any_answer(request)

    llm_stub.responder = no_translations
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (result,) = daily_digest(topics=["india-pakistan"], date=SAMPLE_DATE)
    page = Path(result.page).read_text(encoding="utf-8")
    assert result.status == "succeeded" and "— English:" not in page
    body = page.split("\n---\n", 1)[1]
    assert (
        "Headlines in other languages are shown as published, without an English rendering:" in body
    )
    assert "translationFallback: " in page
