"""A local OpenAI-compatible chat-completions server for tests (no network, ever).

`LLMStub` serves ``POST /v1/chat/completions`` (and ``/chat/completions``) on 127.0.0.1 from a
script of `StubReply` objects, one per request, in order; when the script runs out it repeats
its ``default`` reply (HTTP 500 unless set), so a test that makes more calls than it planned
fails loudly. Every request is recorded with its headers and JSON body, so a test can assert
what litellm actually sent (e.g. that the sentinel API key reached the server in the
``Authorization`` header, while our database never saw it) and how many calls were made.

Use it through the ``llm_stub`` fixture of tests/conftest_llm.py::

    pytest_plugins = ["tests.support.llm_fixtures"]

    def test_x(llm_stub):
        llm_stub.script(StubReply.json({"a": 1}), StubReply.rate_limited(retry_after="1"))
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STUB_MODEL = "openai/stub-model"
SENTINEL_KEY = "sk-SENTINEL-5f3a9c1e-do-not-store"


@dataclass(frozen=True)
class StubReply:
    """One scripted HTTP answer."""

    status: int = 200
    content: str | None = None  # assistant message text (200 only)
    body: Mapping[str, Any] | str | None = None  # raw body instead of a completion envelope
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # sleep before answering (timeouts, concurrency)
    prompt_tokens: int = 120
    completion_tokens: int = 80

    @classmethod
    def text(cls, content: str, **kw: Any) -> StubReply:
        return cls(content=content, **kw)

    @classmethod
    def json(cls, payload: Any, **kw: Any) -> StubReply:
        return cls(content=json.dumps(payload), **kw)

    @classmethod
    def rate_limited(cls, retry_after: str | None = None) -> StubReply:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return cls(
            status=429,
            body={"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded"}},
            headers=headers,
        )

    @classmethod
    def server_error(cls, status: int = 500, message: str = "internal error") -> StubReply:
        return cls(status=status, body={"error": {"message": message, "type": "server_error"}})


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any]
    raw: bytes

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))


Responder = Callable[[ReceivedRequest], StubReply]


class LLMStub:
    """Threaded HTTP server answering chat completions from a script."""

    PATHS = ("/v1/chat/completions", "/chat/completions")

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.default: StubReply = StubReply.server_error(message="stub script exhausted")
        self.responder: Responder | None = None
        # Headline translations are answered apart, so a script is only the other calls.
        self.answer_translations = False
        self.max_in_flight = 0
        self._script: deque[StubReply] = deque()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- control -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_base(self) -> str:
        return self.url + "/v1"

    @property
    def calls(self) -> int:
        return len(self.requests)

    def script(self, *replies: StubReply) -> None:
        with self._lock:
            self._script.extend(replies)

    def start(self) -> LLMStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- serving -------------------------------------------------------------------------
    def _next_reply(self, request: ReceivedRequest) -> StubReply:
        with self._lock:
            self.requests.append(request)
            if self.answer_translations and is_translation(request):
                return translate_answer(request)
            if self._script:
                return self._script.popleft()
        if self.responder is not None:
            return self.responder(request)
        return self.default

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                path = self.path.split("?", 1)[0]
                if path not in LLMStub.PATHS:
                    self._send(404, {"error": {"message": f"no route {path}"}}, {})
                    return
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = ReceivedRequest(path, headers, body, raw)
                reply = stub._next_reply(request)
                with stub._lock:
                    stub._in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub._in_flight)
                try:
                    if reply.delay_s:
                        time.sleep(reply.delay_s)
                    payload: Mapping[str, Any] | str
                    if reply.body is not None:
                        payload = reply.body
                    else:
                        payload = _completion(body, reply, len(stub.requests))
                    self._send(reply.status, payload, reply.headers)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)
                finally:
                    with stub._lock:
                        stub._in_flight -= 1

            def _send(
                self, status: int, payload: Mapping[str, Any] | str, headers: Mapping[str, str]
            ) -> None:
                data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _completion(request_body: Mapping[str, Any], reply: StubReply, n: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-stub-{n}",
        "object": "chat.completion",
        "created": 1_780_000_000,
        "model": str(request_body.get("model", "stub-model")),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content or ""},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }


def prompt_articles(request: ReceivedRequest) -> list[tuple[int, str]]:
    """(id, side) of each article the summary prompt listed."""
    text = (
        request.messages[-1]["content"]
        if len(request.messages) < 3
        else request.messages[1]["content"]
    )
    block = text.split("<articles>", 1)[1].split("</articles>", 1)[0]
    rows = [line.split("|") for line in block.strip().splitlines()[1:]]
    return [(int(r[0]), r[1]) for r in rows]


def valid_answer(request: ReceivedRequest) -> StubReply:
    """A schema-valid summary built from the articles the prompt listed."""
    arts = prompt_articles(request)
    by_side: dict[str, list[int]] = {}
    for n, side in arts:
        if side != "international":  # listed apart on the page, not a side to summarize
            by_side.setdefault(side, []).append(n)
    sides = {
        s: [
            {"text": f"Coverage point {i} from this side.", "citations": [ids[i % len(ids)]]}
            for i in range(3)
        ]
        for s, ids in by_side.items()
    }
    firsts = [ids[0] for ids in by_side.values()]
    pair = firsts[:2] if len(firsts) > 1 else by_side[next(iter(by_side))][:2]
    return StubReply.json(
        {
            "highlights": [
                {"text": f"Shared story number {i}.", "citations": pair} for i in range(3)
            ],
            "sides": sides,
            "differences": [
                {"text": f"The sides frame it differently ({i}).", "citations": firsts}
                for i in range(2)
            ],
            "off_topic": [],
        }
    )


def relevance_answer(request: ReceivedRequest) -> StubReply:
    """Judges every headline of a relevance prompt on-topic (confidence 0.9)."""
    prompt = next(
        str(m["content"]) for m in request.messages if "</headlines>" in str(m["content"])
    )
    block = prompt.split("\n<headlines>", 1)[1]
    rows = block.split("</headlines>", 1)[0].strip().splitlines()[1:]
    return StubReply.json(
        {
            "judgements": [
                {
                    "id": int(r.split("|", 1)[0]),
                    "on_topic": True,
                    "confidence": 0.9,
                    "reason": "stub",
                }
                for r in rows
            ]
        }
    )


def is_translation(request: ReceivedRequest) -> bool:
    return any(
        "You translate news headlines" in str(m.get("content", "")) for m in request.messages
    )


def translate_answer(request: ReceivedRequest) -> StubReply:
    """Renders every headline of a translation prompt as "English of <headline>"."""
    prompt = next(
        str(m["content"]) for m in request.messages if "</headlines>" in str(m["content"])
    )
    block = prompt.split("<headlines>", 1)[1]
    rows = block.split("</headlines>", 1)[0].strip().splitlines()[1:]
    return StubReply.json(
        {
            "translations": [
                {"id": int(r.split("|", 2)[0]), "english": f"English of {r.split('|', 2)[2]}"}
                for r in rows
            ]
        }
    )


def any_answer(request: ReceivedRequest) -> StubReply:
    """A valid answer to whichever question the pipeline asks: English renderings of
    headlines, which headlines are on-topic, which country an outlet is from (an honest
    "unknown"), or the summary."""
    content = " ".join(str(m.get("content", "")) for m in request.messages)
    if is_translation(request):
        return translate_answer(request)
    if "</headlines>" in content:
        return relevance_answer(request)
    if "<outlet>" in content:
        return StubReply.json(
            {"country": None, "kind": "unknown", "confidence": 0, "reason": "stub"}
        )
    return valid_answer(request)
