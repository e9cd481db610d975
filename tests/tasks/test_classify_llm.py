"""The LLM fallback of outlet classification, through litellm against the local stub."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from parallax.llm import LLMClient, LLMSettings, MemoryLLMStore, make_llm_client
from parallax.outlets.registry import load_registry
from parallax.settings import Settings
from parallax.topics import load_topics
from tasks.classify import classify_articles, classify_outlet
from tasks.classify.llm import LLMOutletFallback, parse_answer
from tests.support.llm_stub import SENTINEL_KEY, STUB_MODEL, LLMStub, StubReply

pytest_plugins = ["tests.support.llm_fixtures"]

REGISTRY = load_registry(Settings().outlets_file)
UNKNOWN_OUTLET = ("Gazeta Przykładowa", "https://gazeta-przykladowa.example.com")


def _fallback(stub: LLMStub, store: MemoryLLMStore | None = None) -> LLMOutletFallback:
    settings = LLMSettings(model=STUB_MODEL, api_base=stub.api_base, max_retries=0)
    return LLMOutletFallback(
        LLMClient(settings, store or MemoryLLMStore(), "run1", api_key=SENTINEL_KEY)
    )


def test_confident_answer_classifies_an_unknown_outlet(llm_stub):
    llm_stub.script(
        StubReply.json(
            {
                "country": "PL",
                "kind": "outlet",
                "confidence": 0.9,
                "reason": "Polish regional daily",
            }
        )
    )
    result = classify_outlet(*UNKNOWN_OUTLET, REGISTRY, _fallback(llm_stub))
    assert (result.country, result.method, result.confidence) == ("PL", "llm", 0.9)
    assert "Polish regional daily" in result.evidence and "none:" not in result.evidence
    prompt = llm_stub.requests[0].messages[-1]["content"]
    assert prompt.startswith("<outlet>") and "Gazeta" in prompt


def test_registry_hits_never_ask_the_model(llm_stub):
    result = classify_outlet("Dawn", "https://www.dawn.com", REGISTRY, _fallback(llm_stub))
    assert result.method == "domain" and llm_stub.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        {"country": "PL", "kind": "outlet", "confidence": 0.4, "reason": "maybe"},
        {"country": None, "kind": "unknown", "confidence": 0.0, "reason": "never heard of it"},
        {"country": "Poland", "kind": "outlet", "confidence": 0.9, "reason": "x"},
    ],
    ids=["low-confidence", "does-not-know", "not-iso"],
)
def test_unusable_answers_leave_the_outlet_unknown(llm_stub, answer):
    llm_stub.script(StubReply.json(answer))
    result = classify_outlet(*UNKNOWN_OUTLET, REGISTRY, _fallback(llm_stub))
    assert result.country is None and result.method == "none"


def test_aggregator_answer_gets_no_country(llm_stub):
    llm_stub.script(
        StubReply.json(
            {"country": "US", "kind": "aggregator", "confidence": 0.95, "reason": "news app"}
        )
    )
    result = classify_outlet(*UNKNOWN_OUTLET, REGISTRY, _fallback(llm_stub))
    assert result.country is None and result.kind == "aggregator" and result.method == "llm"


def test_same_outlet_is_asked_once_then_answered_from_the_cache(llm_stub):
    llm_stub.script(
        StubReply.json({"country": "PL", "kind": "outlet", "confidence": 0.9, "reason": "r"})
    )
    store = MemoryLLMStore()
    topic = load_topics(Settings().topics_file).get("us-china")
    articles = pd.DataFrame(
        {
            "article_id": ["a", "b"],
            "source_name": [UNKNOWN_OUTLET[0]] * 2,
            "source_url": [UNKNOWN_OUTLET[1]] * 2,
            "source_domain": ["gazeta-przykladowa.example.com"] * 2,
            "title": ["x", "y"],
        }
    )
    first = classify_articles(articles, topic, REGISTRY, _fallback(llm_stub, store))
    second = classify_articles(articles, topic, REGISTRY, _fallback(llm_stub, store))
    assert list(first["perspective"]) == ["international"] * 2
    assert list(second["country"]) == ["PL", "PL"]
    assert len(llm_stub.requests) == 1  # once per outlet, and the re-run hit the cache


def test_failing_model_is_no_answer(llm_stub):
    llm_stub.script(StubReply.server_error(message="down"))
    result = classify_outlet(*UNKNOWN_OUTLET, REGISTRY, _fallback(llm_stub))
    assert result.method == "none"


def test_parse_answer_and_off_without_a_model(tmp_path: Path):
    assert (
        parse_answer("nope")[1]
        and parse_answer('{"country": "pl", "kind": "outlet", "confidence": 1, "reason": ""}')[1]
    )
    assert make_llm_client(None, tmp_path / "x.duckdb", "r") is None
