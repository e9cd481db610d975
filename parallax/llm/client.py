"""Language-model calls through litellm: cache, budget, retries, audit, secret hygiene.

`LLMClient.complete_json` is the only place Parallax calls a model. For every request it

1. computes `request_key` and returns the stored answer when the store has one (cache.py):
   replaying a day costs 0 calls (a row with cache_hit=true);
2. checks the run's cost budget *before* calling (prompt tokens counted with
   ``litellm.token_counter``, completion assumed to use all of ``max_tokens``);
3. calls ``litellm.completion`` with a ``json_schema`` response_format, at most
   ``max_concurrency`` at a time, retrying 429/5xx/timeouts with exponential backoff (or the
   server's ``Retry-After``);
4. prices the answer offline (``litellm.cost_per_token`` with the bundled cost map, or the
   per-token prices from the settings; unknown -> None, never a crash);
5. writes one `LLMCallRecord` per attempt to the store, with every text passed through a
   `Redactor` (redact.py).

litellm is imported lazily (it takes seconds) and always with the local cost map (no network).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from parallax import limits
from parallax.llm.answers import parse_only
from parallax.llm.cache import (
    DuckDBFileLLMStore,
    LLMCallRecord,
    LLMStore,
    Message,
    SharingLLMStore,
    canonical_json,
    request_key,
)
from parallax.llm.redact import Redactor, install_log_filter, sanitize_url
from parallax.retry import retry_after_seconds
from parallax.settings import LLMSettings

log = logging.getLogger("parallax.llm")

Validator = Callable[[str], tuple[Any, list[str]]]

# HTTP statuses worth retrying: timeout, conflict, rate limit, server errors.
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class LLMError(RuntimeError):
    """A model call failed for good (after retries); the message is already redacted."""


class BudgetExceeded(LLMError):
    """The next call could push the run's model spending over its budget."""


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


_litellm_lock = threading.Lock()


def import_litellm() -> Any:
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
        install_log_filter(self.redact.secrets)
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
            prompt_cost, completion_cost = import_litellm().cost_per_token(
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
        litellm = import_litellm()
        try:
            prompt_tokens = int(litellm.token_counter(model=self.settings.model, messages=msgs))
        except Exception:  # tokenizer unavailable: rough 4 characters per token
            prompt_tokens = len(canonical_json(msgs)) // 4
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
        litellm = import_litellm()
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
                # Every model call holds a slot of the run's Prefect limit (parallax/limits.py),
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
