"""The model-call audit and cache: every call's record, and answers reused by request.

`request_key` is the sha256 of model + messages + answer-shaping params; a request already
answered is answered from the store (replaying a day costs no call). Stores: `llm_calls` in
DuckDB (`DuckDBLLMStore` on an open connection, `DuckDBFileLLMStore` opening the file per
operation), `SharingLLMStore` (shared with a backfill's other processes), `MemoryLLMStore`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from parallax import storage

if TYPE_CHECKING:
    import duckdb

Message = Mapping[str, Any]


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def request_key(model: str, messages: Sequence[Message], params: Mapping[str, Any]) -> str:
    """Cache key: sha256 of the canonical JSON of model, messages and answer-shaping params
    (never transport settings such as api_base, timeout or keys)."""
    payload = canonical_json({"model": model, "messages": list(messages), "params": dict(params)})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LLMCallRecord:
    """One row of ``llm_calls``: an HTTP attempt, a cache hit, or a budget stop."""

    call_id: str
    run_id: str
    purpose: str
    model: str
    api_base: str | None
    messages: list[dict[str, Any]]
    params: dict[str, Any]
    request_key: str
    attempt: int  # 1.. for model calls; 0 = no call made (cache hit, budget stop)
    cache_hit: bool = False
    raw_response: str | None = None
    parsed: Any = None
    validation_errors: tuple[str, ...] = ()
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None  # None = unknown price
    latency_ms: float | None = None
    error: str | None = None
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def ok(self) -> bool:
        return self.error is None and self.raw_response is not None


class LLMStore(Protocol):
    def get_cached(self, request_key: str) -> LLMCallRecord | None: ...

    def record(self, call: LLMCallRecord) -> None: ...


_COLUMNS = (
    "call_id", "run_id", "purpose", "model", "api_base", "request_key", "attempt", "cache_hit",
    "messages", "params", "raw_response", "parsed", "validation_errors", "prompt_tokens",
    "completion_tokens", "cost_usd", "latency_ms", "error", "created_at",
)  # fmt: skip
_JSON_COLUMNS = frozenset({"messages", "params", "parsed"})


class DuckDBLLMStore:
    """`LLMStore` on table ``llm_calls`` (sql/migrations/002_llm_calls.sql).

    Takes an open connection (the caller owns its life); each operation uses its own cursor
    under a lock, so the client's worker threads can share one store.
    """

    # The cache answers with the first successful model answer for the key. Its messages and
    # params are not read back: the caller has them (they make the key).
    _CACHED_COLUMNS = tuple(c for c in _COLUMNS if c not in ("messages", "params"))

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._lock = threading.Lock()

    def get_cached(self, request_key: str) -> LLMCallRecord | None:
        with self._lock:
            rows = (
                self._con.cursor()
                .execute(storage.query("llm_call_cached"), [request_key])
                .fetchall()
            )
        if not rows:
            return None
        values: dict[str, Any] = dict(zip(self._CACHED_COLUMNS, rows[0], strict=True))
        values |= {"messages": [], "params": {}}
        for name in _JSON_COLUMNS:
            if isinstance(values[name], str):
                values[name] = json.loads(values[name])
        values["validation_errors"] = tuple(values["validation_errors"] or ())
        return LLMCallRecord(**values)

    def record(self, call: LLMCallRecord) -> None:
        params = []
        for name in _COLUMNS:
            value = getattr(call, name)
            if name in _JSON_COLUMNS:
                value = None if value is None else canonical_json(value)
            elif name == "validation_errors":
                value = list(value)
            params.append(value)
        with self._lock:
            self._con.cursor().execute(storage.query("llm_call_insert"), params).fetchall()


class DuckDBFileLLMStore:
    """`LLMStore` on a DuckDB file, opened only for each lookup or write, so no connection is
    held while a model call is in flight (other stages and analysts can use the file)."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def get_cached(self, request_key: str) -> LLMCallRecord | None:
        with storage.connect(self.db) as con:
            return DuckDBLLMStore(con).get_cached(request_key)

    def record(self, call: LLMCallRecord) -> None:
        with storage.connect(self.db) as con:
            DuckDBLLMStore(con).record(call)


class SharingLLMStore:
    """An `LLMStore` that also shares good answers with other processes' stores.

    A multi-process backfill writes each topic group into its own shard file, so one shard's
    cache cannot see another's answers, and every group asked the model about the same unknown
    outlet. ``shared`` is a mapping every process sees (a manager's dict). Before asking the
    model, a store claims the request there; another store that wants the same answer waits
    for it instead of asking too (a failed call releases the claim). The first good answer
    for a key stays, as in the database cache.
    """

    _FAILED = "failed"
    _POLL_S = 0.05

    def __init__(
        self, inner: LLMStore, shared: MutableMapping[str, Any], wait_s: float = 120.0
    ) -> None:
        self.inner = inner
        self.shared = shared
        self.wait_s = wait_s

    def get_cached(self, request_key: str) -> LLMCallRecord | None:
        found = self.inner.get_cached(request_key)
        if found is not None:
            return found
        claim = f"pending:{uuid.uuid4().hex}"
        deadline = time.monotonic() + self.wait_s
        while True:
            value = self.shared.setdefault(request_key, claim)
            if isinstance(value, LLMCallRecord):
                return value
            if value in (claim, self._FAILED) or time.monotonic() > deadline:
                return None  # the caller asks the model
            time.sleep(self._POLL_S)  # another store is asking: wait for its answer

    def record(self, call: LLMCallRecord) -> None:
        self.inner.record(call)
        if call.cache_hit:
            return
        current = self.shared.get(call.request_key)
        if call.ok and not isinstance(current, LLMCallRecord):
            self.shared[call.request_key] = call
        elif not call.ok and isinstance(current, str) and current.startswith("pending:"):
            self.shared[call.request_key] = self._FAILED


class MemoryLLMStore:
    """In-process `LLMStore` (tests, dry runs)."""

    def __init__(self) -> None:
        self.calls: list[LLMCallRecord] = []

    def get_cached(self, request_key: str) -> LLMCallRecord | None:
        for call in self.calls:
            if call.request_key == request_key and call.ok and not call.cache_hit:
                return call
        return None

    def record(self, call: LLMCallRecord) -> None:
        self.calls.append(call)
