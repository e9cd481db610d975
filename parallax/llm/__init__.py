"""Language-model calls through litellm: cache, budget, retries, audit, secret hygiene.

`LLMClient.complete_json` is the only place Parallax calls a model. For every request it

1. computes `request_key` (sha256 of model + messages + params) and returns the stored answer
   when the `LLMStore` has one: replaying a day costs 0 calls (a row with cache_hit=true);
2. checks the run's cost budget *before* calling (prompt tokens counted with
   ``litellm.token_counter``, completion assumed to use all of ``max_tokens``);
3. calls ``litellm.completion`` with a ``json_schema`` response_format, at most
   ``max_concurrency`` at a time, retrying 429/5xx/timeouts with exponential backoff (or the
   server's ``Retry-After``);
4. prices the answer offline (``litellm.cost_per_token`` with the bundled cost map, or the
   per-token prices from the settings; unknown -> None, never a crash);
5. writes one `LLMCallRecord` per attempt to the store, with every text passed through a
   `Redactor` so no API key can reach DuckDB, logs or the exceptions we raise.

litellm is imported lazily (≈ 3-6 s) and always with the local cost map (no network).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from parallax import limits
from parallax.retry import retry_after_seconds

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger("parallax.llm")

Message = Mapping[str, Any]
Validator = Callable[[str], tuple[Any, list[str]]]

# HTTP statuses worth retrying: timeout, conflict, rate limit, server errors.
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
# Env var names whose values are treated as secrets and scrubbed from anything we store.
_SECRET_ENV = re.compile(r"(API_KEY|_KEY|_TOKEN|_SECRET|PASSWORD)$", re.IGNORECASE)


class LLMError(RuntimeError):
    """A model call failed for good (after retries); the message is already redacted."""


class BudgetExceeded(LLMError):
    """The next call could push the run's model spending over its budget."""


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LLMSettings:
    """How to call the model. Holds no secret: keys come from the provider's env var
    (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ...) or are passed to `LLMClient`."""

    model: str  # any litellm model string, e.g. "openai/gpt-4o-mini"
    api_base: str | None = None  # OpenAI-compatible server (vLLM, LM Studio, a gateway)
    timeout_s: float = 60.0  # per HTTP attempt
    max_retries: int = 3  # retries after the first attempt (429/5xx/timeouts only)
    backoff_s: float = 1.0  # first retry delay; doubles each retry
    backoff_max_s: float = 30.0  # cap on one delay, also on a server's Retry-After
    max_concurrency: int = 4  # simultaneous calls per client (provider rate limits)
    temperature: float = 0.0  # deterministic output makes the cache and replays meaningful
    max_tokens: int = 1500  # a full digest answer is ≈ 600-900 tokens
    cost_budget_usd: float | None = None  # per run; None = no limit
    input_cost_per_token: float | None = None  # for models litellm's cost map doesn't know
    output_cost_per_token: float | None = None

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise ValueError("LLMSettings.model is empty")
        if self.max_concurrency < 1 or self.max_retries < 0:
            raise ValueError("max_concurrency must be >= 1 and max_retries >= 0")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LLMSettings | None:
        """Settings from ``PARALLAX_LLM_*`` variables; None when no model is configured
        (the extractive summarizer stays the default)."""
        model = env.get("PARALLAX_LLM_MODEL", "").strip()
        if not model:
            return None

        def num(name: str) -> float | None:
            raw = env.get(name, "").strip()
            return float(raw) if raw else None

        kwargs: dict[str, Any] = {
            "model": model,
            "api_base": env.get("PARALLAX_LLM_API_BASE") or None,
        }
        for name, attr, conv in (
            ("PARALLAX_LLM_TIMEOUT_S", "timeout_s", float),
            ("PARALLAX_LLM_MAX_RETRIES", "max_retries", int),
            ("PARALLAX_LLM_MAX_CONCURRENCY", "max_concurrency", int),
            ("PARALLAX_LLM_MAX_TOKENS", "max_tokens", int),
        ):
            value = num(name)
            if value is not None:
                kwargs[attr] = conv(value)
        kwargs["cost_budget_usd"] = num("PARALLAX_LLM_BUDGET_USD")
        kwargs["input_cost_per_token"] = num("PARALLAX_LLM_INPUT_COST_PER_TOKEN")
        kwargs["output_cost_per_token"] = num("PARALLAX_LLM_OUTPUT_COST_PER_TOKEN")
        return cls(**kwargs)


# --------------------------------------------------------------------------------------------
# Records and storage
# --------------------------------------------------------------------------------------------
def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def request_key(model: str, messages: Sequence[Message], params: Mapping[str, Any]) -> str:
    """Cache key: sha256 of the canonical JSON of model, messages and answer-shaping params
    (never transport settings such as api_base, timeout or keys)."""
    payload = _canonical({"model": model, "messages": list(messages), "params": dict(params)})
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

    _INSERT = (
        f"INSERT INTO llm_calls ({', '.join(_COLUMNS)}) VALUES ("
        + ", ".join(
            "?::JSON"
            if c in _JSON_COLUMNS
            else ("?::VARCHAR[]" if c == "validation_errors" else "?")
            for c in _COLUMNS
        )
        + ")"
    )
    # The cache answers with the first successful model answer for the key. Its messages and
    # params are not read back: the caller has them (they make the key), and reading them was
    # most of a lookup's time.
    _CACHED_COLUMNS = tuple(c for c in _COLUMNS if c not in ("messages", "params"))
    _CACHED = (
        f"SELECT {', '.join(_CACHED_COLUMNS)} FROM llm_calls "
        "WHERE request_key = ? AND NOT cache_hit AND error IS NULL AND raw_response IS NOT NULL "
        "ORDER BY created_at LIMIT 1"
    )

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._lock = threading.Lock()

    def get_cached(self, request_key: str) -> LLMCallRecord | None:
        with self._lock:
            rows = self._con.cursor().execute(self._CACHED, [request_key]).fetchall()
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
                value = None if value is None else _canonical(value)
            elif name == "validation_errors":
                value = list(value)
            params.append(value)
        with self._lock:
            self._con.cursor().execute(self._INSERT, params).fetchall()


def load_api_key(secret_block: str | None) -> str | None:
    """The API key from a Prefect Secret block, when one is named; else None (litellm then
    reads the provider's own variable, e.g. OPENAI_API_KEY)."""
    if not secret_block:
        return None
    from prefect.blocks.system import Secret

    return Secret.load(secret_block, _sync=True).get()  # type: ignore[union-attr,call-arg]


def make_llm_client(
    settings: LLMSettings | None,
    db: Path,
    run_id: str,
    api_key_secret: str | None = None,
    shared_answers: MutableMapping[str, Any] | None = None,
) -> LLMClient | None:
    """The run's model client (audited and cached in ``db``), or None when no model is set.
    ``shared_answers``: answers shared with other processes (`SharingLLMStore`)."""
    if settings is None:
        return None
    store: LLMStore = DuckDBFileLLMStore(db)
    if shared_answers is not None:
        store = SharingLLMStore(store, shared_answers)
    return LLMClient(settings, store, run_id, api_key=load_api_key(api_key_secret))


class DuckDBFileLLMStore:
    """`LLMStore` on a DuckDB file, opened only for each lookup or write, so no connection is
    held while a model call is in flight (other stages and analysts can use the file)."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def get_cached(self, request_key: str) -> LLMCallRecord | None:
        from parallax import storage

        with storage.connect(self.db) as con:
            return DuckDBLLMStore(con).get_cached(request_key)

    def record(self, call: LLMCallRecord) -> None:
        from parallax import storage

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


# --------------------------------------------------------------------------------------------
# Secret hygiene
# --------------------------------------------------------------------------------------------
REDACTED = "[REDACTED]"
_MIN_SECRET_LEN = 8  # shorter values ("lm-studio"-style dummy keys) would mangle ordinary text
# Shapes of credentials, scrubbed wherever they appear.
_KEY_SHAPES = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),  # OpenAI, Anthropic (sk-ant-...), most gateways
    re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"),  # Google
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=\-]{8,}"),
    re.compile(r"(?i)(https?://)[^/@\s]+@"),  # user-info in URLs
)
# key=value / "key": "value" pairs; only for free text (errors, logs), not model output.
_KEY_VALUE = re.compile(
    r"(?i)((?:api[_-]?key|x-api-key|authorization|access[_-]?token|secret|password)"
    r"[\"']?\s*[:=]\s*[\"']?)[^\s\"',}&]+"
)


class Redactor:
    """Replaces known secret values and credential-shaped strings with ``[REDACTED]``.

    Known values: keys passed explicitly plus the values of environment variables whose name
    ends in _API_KEY/_KEY/_TOKEN/_SECRET/PASSWORD (litellm reads keys from those).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: tuple[str, ...] = ()
        self.add(secrets)

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    def add(self, secrets: Iterable[str]) -> None:
        merged = {s for s in (*self._secrets, *secrets) if s and len(s) >= _MIN_SECRET_LEN}
        self._secrets = tuple(sorted(merged, key=len, reverse=True))

    @classmethod
    def from_env(cls, env: Mapping[str, str], extra: Iterable[str] = ()) -> Redactor:
        return cls([*extra, *(v for k, v in env.items() if _SECRET_ENV.search(k))])

    def __call__(self, text: str, free_text: bool = True) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for pattern in _KEY_SHAPES:
            text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
        if free_text:
            text = _KEY_VALUE.sub(lambda m: m.group(1) + REDACTED, text)
        return text

    def obj(self, value: Any) -> Any:
        """Redact every string inside a JSON-like value (model text: no key=value scrub)."""
        if isinstance(value, str):
            return self(value, free_text=False)
        if isinstance(value, Mapping):
            return {k: self.obj(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.obj(v) for v in value]
        return value


def sanitize_url(url: str | None) -> str | None:
    """Drop user-info, query and fragment (where keys hide) from a server URL."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _RedactingFilter(logging.Filter):
    """Scrubs secrets from log records (message, args and traceback) before any handler."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep its template, drop the arguments
            message = str(record.msg)
        record.msg = self.redactor(message)
        record.args = None
        if record.exc_info:
            record.exc_text = self.redactor(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_LOG_REDACTOR = Redactor()
_LOG_FILTER = _RedactingFilter(_LOG_REDACTOR)
_LOGGERS = (
    "parallax.llm",
    "LiteLLM",
    "LiteLLM Router",
    "LiteLLM Proxy",
    "httpx",
    "httpcore.http11",
    "httpcore.connection",
    "openai",
    "openai._base_client",
)


def _install_log_filter(secrets: Iterable[str]) -> None:
    _LOG_REDACTOR.add(secrets)
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)


# --------------------------------------------------------------------------------------------
# JSON extraction
# --------------------------------------------------------------------------------------------
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


def extract_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in a model answer: the whole text, a ```json fenced block, or the
    first ``{...}`` that parses (for providers that ignore response_format). Raises ValueError."""
    stripped = text.strip()
    candidates = [stripped, *(m.group(1).strip() for m in _FENCE.finditer(text))]
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise ValueError("no JSON object found in the answer" if stripped else "empty answer")


def parse_only(text: str) -> tuple[Any, list[str]]:
    """Default validator: the answer must contain a JSON object."""
    try:
        return extract_json_object(text), []
    except ValueError as exc:
        return None, [f"invalid JSON: {exc}"]


# --------------------------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------------------------
_litellm_lock = threading.Lock()


def _litellm() -> Any:
    """Import litellm on first use, offline (bundled cost map) and quiet."""
    with _litellm_lock:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        return litellm


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def retry_after_s(exc: BaseException, now: dt.datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date) on a litellm error."""
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        headers = getattr(getattr(exc, "response", None), "headers", None)
    raw = headers.get("retry-after") if headers is not None else None
    return retry_after_seconds(raw, now or _utcnow())


def _is_retryable(exc: BaseException) -> bool:
    # litellm reports a missing key as a 500 before any request: a config error, not a fault.
    if "Missing credentials" in str(exc):
        return False
    name = type(exc).__name__
    if name in {"Timeout", "APITimeoutError", "APIConnectionError", "InternalServerError"}:
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and status in RETRYABLE_STATUS


_SEMAPHORES: dict[tuple[str, str | None, int], threading.Semaphore] = {}
_SEMAPHORES_LOCK = threading.Lock()


def _shared_semaphore(settings: LLMSettings) -> threading.Semaphore:
    """One limit per model endpoint for the whole process: topics run concurrently, each with
    its own client, and the provider's rate limit is per key, not per topic."""
    key = (settings.model, settings.api_base, settings.max_concurrency)
    with _SEMAPHORES_LOCK:
        return _SEMAPHORES.setdefault(key, threading.Semaphore(settings.max_concurrency))


class LLMClient:
    """Calls the model for one run; see the module docstring for what a call does."""

    def __init__(
        self,
        settings: LLMSettings,
        store: LLMStore,
        run_id: str,
        *,
        api_key: str | None = None,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.store = store
        self.run_id = run_id
        self._api_key = api_key  # never stored, logged or put in a repr
        self._clock = clock
        self._sleep = sleep
        self.redact = Redactor.from_env(os.environ if env is None else env, [api_key or ""])
        _install_log_filter(self.redact.secrets)
        self._semaphore = _shared_semaphore(settings)
        self._budget_lock = threading.Lock()
        self._spent = 0.0
        self._reserved = 0.0
        self._warned_unknown_price = False

    def __repr__(self) -> str:
        return f"LLMClient(model={self.settings.model!r}, run_id={self.run_id!r})"

    @property
    def spent_usd(self) -> float:
        """Known cost of this client's model calls so far (unknown prices count as 0)."""
        return self._spent

    # -- public ---------------------------------------------------------------------------
    def params_for(self, schema: Mapping[str, Any], schema_name: str = "answer") -> dict[str, Any]:
        """Answer-shaping params: they are part of the cache key."""
        return {
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": dict(schema), "strict": True},
            },
        }

    def complete_json(
        self,
        purpose: str,
        messages: Sequence[Message],
        schema: Mapping[str, Any],
        *,
        validate: Validator = parse_only,
        schema_name: str = "answer",
    ) -> tuple[str, LLMCallRecord]:
        """The model's answer text and the audit record of the call that produced it.

        ``validate(text) -> (parsed, errors)`` runs before the record is written, so the audit
        holds the parsed result and the validation errors. Raises `BudgetExceeded` before a call
        that could exceed the budget, `LLMError` when retries are exhausted or the error is not
        retryable.
        """
        settings = self.settings
        msgs = [dict(m) for m in messages]
        params = self.params_for(schema, schema_name)
        key = request_key(settings.model, msgs, params)
        base = LLMCallRecord(
            call_id="",
            run_id=self.run_id,
            purpose=purpose,
            model=settings.model,
            api_base=sanitize_url(settings.api_base),
            messages=self.redact.obj(msgs),
            params=self.redact.obj(params),
            request_key=key,
            attempt=0,
        )

        cached = self.store.get_cached(key)
        if cached is not None and cached.raw_response is not None:
            text = cached.raw_response
            parsed, errors = validate(text)
            record = self._write(
                base,
                cache_hit=True,
                raw_response=text,
                parsed=self.redact.obj(parsed),
                validation_errors=tuple(errors),
                prompt_tokens=cached.prompt_tokens,
                completion_tokens=cached.completion_tokens,
                cost_usd=0.0,
                latency_ms=0.0,
            )
            log.info("llm cache hit for %s (%s)", purpose, key[:12])
            return text, record

        estimate = self._reserve_budget(purpose, msgs, base)
        try:
            return self._call_with_retries(purpose, msgs, params, base, validate)
        finally:
            with self._budget_lock:
                self._reserved -= estimate

    # -- internals -----------------------------------------------------------------------
    def _write(self, base: LLMCallRecord, **changes: Any) -> LLMCallRecord:
        record = replace(base, call_id=str(uuid.uuid4()), created_at=self._clock(), **changes)
        self.store.record(record)
        return record

    def _price(self, prompt_tokens: int | None, completion_tokens: int | None) -> float | None:
        if prompt_tokens is None or completion_tokens is None:
            return None
        s = self.settings
        custom = None
        if s.input_cost_per_token is not None or s.output_cost_per_token is not None:
            custom = {
                "input_cost_per_token": s.input_cost_per_token or 0.0,
                "output_cost_per_token": s.output_cost_per_token or 0.0,
            }
        try:
            prompt_cost, completion_cost = _litellm().cost_per_token(
                model=s.model,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                custom_cost_per_token=custom,
            )
        except Exception:  # model not in the cost map: price unknown, not an error
            return None
        return float(prompt_cost) + float(completion_cost)

    def _reserve_budget(
        self, purpose: str, msgs: list[dict[str, Any]], base: LLMCallRecord
    ) -> float:
        budget = self.settings.cost_budget_usd
        if budget is None:
            return 0.0
        litellm = _litellm()
        try:
            prompt_tokens = int(litellm.token_counter(model=self.settings.model, messages=msgs))
        except Exception:  # tokenizer unavailable: rough 4 characters per token
            prompt_tokens = len(_canonical(msgs)) // 4
        estimate = self._price(prompt_tokens, self.settings.max_tokens)
        if estimate is None:
            if not self._warned_unknown_price:
                log.warning(
                    "no price known for %s: the %.4f USD budget cannot be enforced "
                    "(set input/output cost per token)",
                    self.settings.model,
                    budget,
                )
                self._warned_unknown_price = True
            return 0.0
        with self._budget_lock:
            committed = self._spent + self._reserved
            if committed + estimate > budget:
                message = (
                    f"LLM cost budget of {budget:.4f} USD for run {self.run_id} would be "
                    f"exceeded by '{purpose}': spent {self._spent:.4f} USD"
                    f"{f' (+{self._reserved:.4f} in flight)' if self._reserved else ''}, this "
                    f"call may cost up to {estimate:.4f} USD ({prompt_tokens} prompt tokens + "
                    f"{self.settings.max_tokens} max completion tokens); no call made"
                )
                stop = True
            else:
                self._reserved += estimate
                stop = False
        if stop:
            self._write(base, error=f"BudgetExceeded: {message}")
            log.warning("%s", message)
            raise BudgetExceeded(message)
        return estimate

    def _call_with_retries(
        self,
        purpose: str,
        msgs: list[dict[str, Any]],
        params: dict[str, Any],
        base: LLMCallRecord,
        validate: Validator,
    ) -> tuple[str, LLMCallRecord]:
        s = self.settings
        litellm = _litellm()
        kwargs: dict[str, Any] = {
            "model": s.model,
            "messages": msgs,
            **params,
            "timeout": s.timeout_s,
            "num_retries": 0,  # retries are ours (one audit row per attempt)
            "max_retries": 0,  # ... and not the OpenAI SDK's either
        }
        if s.api_base:
            kwargs["api_base"] = s.api_base
        if self._api_key:
            kwargs["api_key"] = self._api_key

        attempts = s.max_retries + 1
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                # Every model call holds a slot of the run's Prefect limit (tasks/limits.py),
                # shared with a backfill's other worker processes.
                with self._semaphore, limits.slot(limits.MODEL_CALLS):
                    started = time.perf_counter()  # the latency of the call, not of the queue
                    response = litellm.completion(**kwargs)
            except Exception as exc:
                latency = (time.perf_counter() - started) * 1000
                status = getattr(exc, "status_code", None)
                error = self.redact(f"{type(exc).__name__} ({status}): {exc}")
                self._write(base, attempt=attempt, error=error, latency_ms=latency)
                if not _is_retryable(exc) or attempt == attempts:
                    # A warning: the caller decides what a failed call means (the summarizer
                    # falls back, the run goes on), so it is not an error of the run.
                    log.warning("llm call %s failed on attempt %d: %s", purpose, attempt, error)
                    raise LLMError(f"{purpose}: {error}") from None
                wait = retry_after_s(exc, self._clock())
                if wait is None:
                    wait = s.backoff_s * 2 ** (attempt - 1)
                wait = min(wait, s.backoff_max_s)
                log.warning(
                    "llm call %s attempt %d/%d failed (%s); retrying in %.2fs",
                    purpose, attempt, attempts, error, wait,
                )  # fmt: skip
                self._sleep(wait)
                continue

            latency = (time.perf_counter() - started) * 1000
            text = response.choices[0].message.content or ""
            usage = getattr(response, "usage", None)
            prompt_tokens = getattr(usage, "prompt_tokens", None)
            completion_tokens = getattr(usage, "completion_tokens", None)
            cost = self._price(prompt_tokens, completion_tokens)
            with self._budget_lock:
                self._spent += cost or 0.0
            parsed, errors = validate(text)
            record = self._write(
                base,
                attempt=attempt,
                raw_response=self.redact(text, free_text=False),
                parsed=self.redact.obj(parsed),
                validation_errors=tuple(errors),
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                cost_usd=cost,
                latency_ms=latency,
            )
            return text, record
        raise AssertionError("unreachable")  # pragma: no cover
