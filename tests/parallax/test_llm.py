"""parallax.llm end to end through litellm against the local stub server (no network)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from parallax.llm import (
    REDACTED,
    BudgetExceeded,
    DuckDBLLMStore,
    LLMCallRecord,
    LLMClient,
    LLMError,
    LLMSettings,
    MemoryLLMStore,
    Redactor,
    SharingLLMStore,
    extract_json_object,
    request_key,
    retry_after_s,
    sanitize_url,
)
from tests.support.llm_stub import SENTINEL_KEY, STUB_MODEL, LLMStub, StubReply
from tests.support.paths import REPO

pytest_plugins = ["tests.support.llm_fixtures"]

MIGRATION = REPO / "sql" / "migrations" / "002_llm_calls.sql"
SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}
MESSAGES = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "hi"}]
NOW = dt.datetime(2026, 7, 31, 6, 0, tzinfo=dt.UTC)


def fresh_db(path: str = ":memory:") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(path)
    con.execute(MIGRATION.read_text())
    return con


def settings(stub: LLMStub, **kw: object) -> LLMSettings:
    defaults: dict[str, object] = {
        "model": STUB_MODEL,
        "api_base": stub.api_base,
        "timeout_s": 5.0,
        "max_retries": 2,
        "backoff_s": 0.01,
    }
    return LLMSettings(**{**defaults, **kw})  # type: ignore[arg-type]


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(stub: LLMStub, store: object = None, **kw: object) -> tuple[LLMClient, Sleeps]:
    sleeps = Sleeps()
    c = LLMClient(
        settings(stub, **kw),
        store or MemoryLLMStore(),  # type: ignore[arg-type]
        run_id="run-1",
        api_key=SENTINEL_KEY,
        clock=lambda: NOW,
        sleep=sleeps,
    )
    return c, sleeps


# -- pure helpers -----------------------------------------------------------------------------
def test_request_key_is_canonical_and_sensitive() -> None:
    a = request_key("m", MESSAGES, {"temperature": 0, "max_tokens": 10})
    assert a == request_key("m", MESSAGES, {"max_tokens": 10, "temperature": 0})
    assert len(a) == 64
    assert a != request_key("m2", MESSAGES, {"temperature": 0, "max_tokens": 10})
    assert a != request_key("m", MESSAGES[:1], {"temperature": 0, "max_tokens": 10})
    assert a != request_key("m", MESSAGES, {"temperature": 0.2, "max_tokens": 10})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('```json\n{"a": 2}\n```', {"a": 2}),
        ('Sure! Here it is:\n```\n{"a": 3}\n```\nAnything else?', {"a": 3}),
        ('The answer is {"a": 4} as requested {"b": 5}', {"a": 4}),
        ('noise {broken} then {"a": 6}', {"a": 6}),
    ],
    ids=["plain", "fenced-json", "fenced-bare", "prose-first-object", "skips-broken"],
)
def test_extract_json_object(text: str, expected: dict[str, int]) -> None:
    assert extract_json_object(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "no json here", "[1, 2]", '{"a": '])
def test_extract_json_object_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        extract_json_object(text)


@pytest.mark.parametrize(
    ("text", "leaks"),
    [
        (f"Incorrect API key provided: {SENTINEL_KEY}", SENTINEL_KEY),
        ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop"),
        ("url https://user:pa55word@gw.example/v1", "pa55word"),
        ("call failed api_key=zzzzzzzzzzzz&x=1", "zzzzzzzzzzzz"),
        ('{"x-api-key": "qqqqqqqqqqqq"}', "qqqqqqqqqqqq"),
        ("key sk-ant-api03-abcdefgh12345 rejected", "sk-ant-api03-abcdefgh12345"),
        ("my-custom-gateway-secret-value in text", "my-custom-gateway-secret-value"),
    ],
    ids=["sentinel", "bearer", "url-userinfo", "query-param", "json-header", "anthropic", "env"],
)
def test_redactor_scrubs_known_and_shaped_secrets(text: str, leaks: str) -> None:
    redact = Redactor.from_env({"GATEWAY_TOKEN": "my-custom-gateway-secret-value"}, [SENTINEL_KEY])
    out = redact(text)
    assert leaks not in out
    assert REDACTED in out


def test_redactor_keeps_model_text_readable() -> None:
    redact = Redactor([SENTINEL_KEY])
    text = '{"text": "The secret: talks on trade resumed", "password": "none"}'
    assert redact(text, free_text=False) == text


def test_sanitize_url_drops_credentials() -> None:
    assert sanitize_url("https://u:p@gw.example:8443/v1?key=abc#x") == "https://gw.example:8443/v1"
    assert sanitize_url(None) is None


def test_retry_after_accepts_seconds_and_http_date() -> None:
    class Exc(Exception):
        def __init__(self, value: str) -> None:
            self.litellm_response_headers = {"retry-after": value}

    assert retry_after_s(Exc("3")) == 3.0
    assert retry_after_s(Exc("Fri, 31 Jul 2026 06:00:07 GMT"), now=NOW) == 7.0
    assert retry_after_s(Exc("soon")) is None


def test_model_settings_come_from_the_parallax_llm_variables(monkeypatch) -> None:
    from parallax.settings import Settings

    for name in ("PARALLAX_LLM_MODEL", "PARALLAX_LLM_API_BASE", "PARALLAX_LLM_BUDGET_USD"):
        monkeypatch.delenv(name, raising=False)
    assert Settings(_env_file=None).llm_settings() is None
    monkeypatch.setenv("PARALLAX_LLM_MODEL", "openai/gpt-4o-mini")
    monkeypatch.setenv("PARALLAX_LLM_API_BASE", "http://127.0.0.1:1234/v1")
    monkeypatch.setenv("PARALLAX_LLM_MAX_CONCURRENCY", "2")
    monkeypatch.setenv("PARALLAX_LLM_BUDGET_USD", "0.50")
    s = Settings(_env_file=None).llm_settings()
    assert s == LLMSettings(
        model="openai/gpt-4o-mini",
        api_base="http://127.0.0.1:1234/v1",
        max_concurrency=2,
        cost_budget_usd=0.5,
    )


# -- DuckDB store -----------------------------------------------------------------------------
def _record(**kw: object) -> LLMCallRecord:
    values: dict[str, object] = {
        "call_id": "c1",
        "run_id": "r1",
        "purpose": "test",
        "model": "m",
        "api_base": None,
        "messages": MESSAGES,
        "params": {"temperature": 0},
        "request_key": "k1",
        "attempt": 1,
        "raw_response": '{"answer": "x"}',
        "parsed": {"answer": "x"},
        "validation_errors": ("too short",),
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "cost_usd": 0.001,
        "latency_ms": 12.5,
        "created_at": NOW,
    }
    return LLMCallRecord(**{**values, **kw})  # type: ignore[arg-type]


def test_duckdb_store_round_trip_and_cache_rules() -> None:
    con = fresh_db()
    con.execute(MIGRATION.read_text())  # IF NOT EXISTS: a second run is a no-op
    store = DuckDBLLMStore(con)
    rec = _record()
    store.record(rec)
    store.record(_record(call_id="c2", cache_hit=True, attempt=0))
    store.record(_record(call_id="c3", request_key="k2", error="RateLimitError (429)"))

    assert con.execute("SELECT count(*) FROM llm_calls").fetchone() == (3,)
    (stored,) = con.execute(
        "SELECT messages, params FROM llm_calls WHERE call_id = 'c1'"
    ).fetchall()
    assert [json.loads(v) for v in stored] == [rec.messages, rec.params]
    # The answer comes back; the prompt is the caller's own (it made the key), not read back.
    assert store.get_cached("k1") == replace(rec, messages=[], params={})
    assert store.get_cached("k2") is None  # failed attempts are not answers
    assert store.get_cached("nope") is None


# -- calls through litellm --------------------------------------------------------------------
def test_valid_call_records_tokens_params_and_unknown_cost(llm_stub: LLMStub) -> None:
    llm_stub.script(StubReply.json({"answer": "ok"}))
    store = MemoryLLMStore()
    c, _ = client(llm_stub, store)

    text, rec = c.complete_json("test:valid", MESSAGES, SCHEMA)

    assert text == '{"answer": "ok"}'
    assert (rec.parsed, rec.validation_errors, rec.attempt, rec.cache_hit) == (
        {"answer": "ok"},
        (),
        1,
        False,
    )
    assert (rec.prompt_tokens, rec.completion_tokens, rec.cost_usd) == (120, 80, None)
    assert rec.api_base == llm_stub.api_base and rec.run_id == "run-1"
    assert rec.latency_ms is not None and rec.latency_ms > 0
    sent = llm_stub.requests[0].body
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"] == SCHEMA
    assert sent["temperature"] == 0 and sent["messages"] == MESSAGES
    assert "api_key" not in rec.params and store.calls == [rec]


def test_cost_from_configured_per_token_prices(llm_stub: LLMStub) -> None:
    llm_stub.script(StubReply.json({"answer": "ok"}, prompt_tokens=1000, completion_tokens=500))
    c, _ = client(llm_stub, input_cost_per_token=1e-6, output_cost_per_token=4e-6)
    _, rec = c.complete_json("test:cost", MESSAGES, SCHEMA)
    assert rec.cost_usd == pytest.approx(1000 * 1e-6 + 500 * 4e-6)
    assert c.spent_usd == pytest.approx(0.003)


def test_cost_from_litellm_offline_cost_map(llm_stub: LLMStub) -> None:
    # gpt-4o-mini served by the stub: priced from the bundled map ($0.15 / $0.60 per M tokens).
    llm_stub.script(StubReply.json({"answer": "ok"}, prompt_tokens=1000, completion_tokens=1000))
    c, _ = client(llm_stub, model="openai/gpt-4o-mini")
    _, rec = c.complete_json("test:cost-map", MESSAGES, SCHEMA)
    assert rec.cost_usd == pytest.approx(0.00015 + 0.0006)


def test_429_with_retry_after_then_success(llm_stub: LLMStub) -> None:
    llm_stub.script(StubReply.rate_limited(retry_after="2"), StubReply.json({"answer": "ok"}))
    store = MemoryLLMStore()
    c, sleeps = client(llm_stub, store)

    text, rec = c.complete_json("test:429", MESSAGES, SCHEMA)

    assert text == '{"answer": "ok"}' and rec.attempt == 2
    assert llm_stub.calls == 2
    assert sleeps == [2.0]  # the server's Retry-After, not our backoff
    first = store.calls[0]
    assert first.attempt == 1 and first.error is not None and "429" in first.error


def test_5xx_backs_off_exponentially_then_gives_up(llm_stub: LLMStub) -> None:
    llm_stub.script(*[StubReply.server_error(503)] * 3)
    store = MemoryLLMStore()
    c, sleeps = client(llm_stub, store, max_retries=2, backoff_s=0.5)

    with pytest.raises(LLMError, match="503"):
        c.complete_json("test:5xx", MESSAGES, SCHEMA)

    assert llm_stub.calls == 3
    assert sleeps == [0.5, 1.0]
    assert [r.attempt for r in store.calls] == [1, 2, 3]
    assert all(r.error and "ServiceUnavailableError" in r.error for r in store.calls)


def test_timeout_is_retried(llm_stub: LLMStub) -> None:
    llm_stub.script(
        StubReply.json({"answer": "late"}, delay_s=1.0), StubReply.json({"answer": "ok"})
    )
    store = MemoryLLMStore()
    c, _ = client(llm_stub, store, timeout_s=0.3)
    text, rec = c.complete_json("test:timeout", MESSAGES, SCHEMA)
    assert text == '{"answer": "ok"}' and rec.attempt == 2
    assert store.calls[0].error is not None and "Timeout" in store.calls[0].error


def test_client_error_is_not_retried(llm_stub: LLMStub) -> None:
    llm_stub.script(StubReply(status=400, body={"error": {"message": "bad schema"}}))
    c, sleeps = client(llm_stub)
    with pytest.raises(LLMError, match="bad schema"):
        c.complete_json("test:400", MESSAGES, SCHEMA)
    assert llm_stub.calls == 1 and sleeps == []


def test_replay_hits_cache_with_zero_calls(llm_stub: LLMStub) -> None:
    con = fresh_db()
    llm_stub.script(StubReply.json({"answer": "ok"}))
    first, _ = client(llm_stub, DuckDBLLMStore(con), input_cost_per_token=1e-6)
    first.complete_json("test:cache", MESSAGES, SCHEMA)
    assert llm_stub.calls == 1

    replay = LLMClient(
        settings(llm_stub, input_cost_per_token=1e-6), DuckDBLLMStore(con), run_id="run-2"
    )
    text, rec = replay.complete_json("test:cache", MESSAGES, SCHEMA)

    assert llm_stub.calls == 1  # no new request reached the server
    assert text == '{"answer": "ok"}'
    assert (rec.cache_hit, rec.cost_usd, rec.attempt, rec.run_id) == (True, 0.0, 0, "run-2")
    assert rec.parsed == {"answer": "ok"}
    rows = con.execute(
        "SELECT run_id, cache_hit, cost_usd > 0 FROM llm_calls ORDER BY created_at, run_id"
    ).fetchall()
    assert rows == [("run-1", False, True), ("run-2", True, False)]


def test_budget_stops_before_the_call(llm_stub: LLMStub) -> None:
    llm_stub.script(StubReply.json({"answer": "ok"}, prompt_tokens=100, completion_tokens=100))
    store = MemoryLLMStore()
    # max 1000 completion tokens at 1e-5 = 0.01 USD per call at most; budget allows one call.
    c, _ = client(
        llm_stub,
        store,
        max_tokens=1000,
        input_cost_per_token=1e-5,
        output_cost_per_token=1e-5,
        cost_budget_usd=0.012,
    )
    c.complete_json("test:budget-1", MESSAGES, SCHEMA)  # estimate ≈ 0.0102 fits; costs 0.002
    assert c.spent_usd == pytest.approx(0.002)

    with pytest.raises(BudgetExceeded, match=r"budget of 0\.0120 USD.*test:budget-2"):
        c.complete_json("test:budget-2", [*MESSAGES, {"role": "user", "content": "more"}], SCHEMA)

    assert llm_stub.calls == 1
    stopped = store.calls[-1]
    assert stopped.attempt == 0 and stopped.error and stopped.error.startswith("BudgetExceeded")


def test_budget_with_unknown_price_warns_and_calls(
    llm_stub: LLMStub, caplog: pytest.LogCaptureFixture
) -> None:
    llm_stub.script(StubReply.json({"answer": "ok"}))
    c, _ = client(llm_stub, cost_budget_usd=0.0001)
    with caplog.at_level(logging.WARNING, logger="parallax.llm"):
        _, rec = c.complete_json("test:budget-unknown", MESSAGES, SCHEMA)
    assert rec.cost_usd is None and llm_stub.calls == 1
    assert "budget cannot be enforced" in caplog.text


def test_concurrency_limit(llm_stub: LLMStub) -> None:
    llm_stub.responder = lambda req: StubReply.json({"answer": "ok"}, delay_s=0.2)
    c, _ = client(llm_stub, max_concurrency=2)
    errors: list[BaseException] = []

    def call(i: int) -> None:
        try:
            c.complete_json(f"test:conc-{i}", [{"role": "user", "content": str(i)}], SCHEMA)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert llm_stub.calls == 5
    assert llm_stub.max_in_flight == 2


def test_sentinel_key_never_stored_or_logged(
    llm_stub: LLMStub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The key comes from OPENAI_API_KEY (litellm reads it); the server echoes it back in an
    error and even in an answer. It must reach the server and nothing of ours."""
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    db = tmp_path / "parallax.duckdb"
    con = fresh_db(str(db))
    llm_stub.script(
        StubReply.server_error(500, f"Incorrect API key provided: {SENTINEL_KEY}"),
        StubReply.json({"answer": f"echo {SENTINEL_KEY}"}),
        StubReply(status=401, body={"error": {"message": f"invalid key {SENTINEL_KEY}"}}),
    )
    sleeps = Sleeps()
    c = LLMClient(settings(llm_stub), DuckDBLLMStore(con), run_id="run-secret", sleep=sleeps)
    caplog.set_level(logging.DEBUG)  # everything litellm, httpx and we log

    text, rec = c.complete_json("test:secret", MESSAGES, SCHEMA)
    with pytest.raises(LLMError) as raised:
        c.complete_json("test:secret-2", [{"role": "user", "content": "again"}], SCHEMA)
    con.close()

    # the key did reach the server, the way litellm sends it
    assert llm_stub.requests[0].headers["authorization"] == f"Bearer {SENTINEL_KEY}"
    assert rec.attempt == 2 and SENTINEL_KEY in text  # the caller gets the answer as is
    # ... and nothing we keep holds it
    assert SENTINEL_KEY not in str(raised.value)
    for path in tmp_path.iterdir():  # the DuckDB file and any WAL next to it
        assert SENTINEL_KEY.encode() not in path.read_bytes(), path.name
    assert SENTINEL_KEY not in caplog.text
    captured = capsys.readouterr()
    assert SENTINEL_KEY not in captured.out + captured.err
    stored = duckdb.connect(str(db), read_only=True)
    errors = [
        r[0]
        for r in stored.execute("SELECT error FROM llm_calls WHERE error IS NOT NULL").fetchall()
    ]
    assert len(errors) == 2 and all(REDACTED in e for e in errors)
    stored.close()


def test_api_base_credentials_never_stored(llm_stub: LLMStub) -> None:
    host_port = llm_stub.url.removeprefix("http://")
    llm_stub.script(StubReply.json({"answer": "ok"}))
    store = MemoryLLMStore()
    c = LLMClient(
        settings(llm_stub, api_base=f"http://gw:{SENTINEL_KEY}@{host_port}/v1"),
        store,
        run_id="r",
        api_key=SENTINEL_KEY,
    )
    _, rec = c.complete_json("test:url", MESSAGES, SCHEMA)
    assert rec.api_base == f"http://{host_port}/v1"
    assert SENTINEL_KEY not in repr(store.calls) and SENTINEL_KEY not in repr(c)


def _answer(key: str, ok: bool = True) -> LLMCallRecord:
    return LLMCallRecord(
        call_id=key + ("-ok" if ok else "-failed"),
        run_id="r",
        purpose="classify-outlet",
        model="m",
        api_base=None,
        messages=[],
        params={},
        request_key=key,
        attempt=1,
        raw_response="{}" if ok else None,
        error=None if ok else "boom",
    )


def test_stores_sharing_answers_ask_the_model_once_per_request() -> None:
    """Two processes' stores wanting one answer: the first asks, the other waits for it."""
    shared: dict[str, object] = {}
    first = SharingLLMStore(MemoryLLMStore(), shared)
    second = SharingLLMStore(MemoryLLMStore(), shared)
    assert first.get_cached("k") is None  # not known: the first store asks the model
    got: list[LLMCallRecord | None] = []
    waiter = threading.Thread(target=lambda: got.append(second.get_cached("k")))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive()  # waiting for the first store's answer, not asking too
    first.record(_answer("k"))
    waiter.join(5)
    assert [g.call_id if g else None for g in got] == ["k-ok"]
    # A failed call releases the claim at once: the other store asks itself.
    assert first.get_cached("f") is None
    first.record(_answer("f", ok=False))
    assert second.get_cached("f") is None
    # The first good answer stays.
    second.record(replace(_answer("k"), call_id="later"))
    kept = SharingLLMStore(MemoryLLMStore(), shared).get_cached("k")
    assert kept is not None and kept.call_id == "k-ok"
