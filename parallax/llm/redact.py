"""Secret hygiene: no API key reaches DuckDB, logs, pages or the exceptions we raise.

`Redactor` replaces known secret values (keys passed in, and the values of environment
variables named like keys) and credential-shaped strings with ``[REDACTED]``; a logging filter
applies it to litellm's and the HTTP clients' loggers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# Env var names whose values are treated as secrets and scrubbed from anything we store.
_SECRET_ENV = re.compile(r"(API_KEY|_KEY|_TOKEN|_SECRET|PASSWORD)$", re.IGNORECASE)

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


def install_log_filter(secrets: Iterable[str]) -> None:
    _LOG_REDACTOR.add(secrets)
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)
