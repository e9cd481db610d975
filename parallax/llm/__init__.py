"""The model client (client.py), its audit and cache (cache.py), secret hygiene (redact.py)
and answer reading (answers.py). The model settings are `parallax.settings.LLMSettings`."""

from parallax.llm.answers import extract_json_object, parse_only
from parallax.llm.cache import (
    DuckDBFileLLMStore,
    DuckDBLLMStore,
    LLMCallRecord,
    LLMStore,
    MemoryLLMStore,
    SharingLLMStore,
    request_key,
)
from parallax.llm.client import (
    BudgetExceeded,
    LLMClient,
    LLMError,
    load_api_key,
    make_llm_client,
    retry_after_s,
)
from parallax.llm.redact import REDACTED, Redactor, sanitize_url
from parallax.settings import LLMSettings

__all__ = [
    "REDACTED", "BudgetExceeded", "DuckDBFileLLMStore", "DuckDBLLMStore", "LLMCallRecord",
    "LLMClient", "LLMError", "LLMSettings", "LLMStore", "MemoryLLMStore", "Redactor",
    "SharingLLMStore", "extract_json_object", "load_api_key", "make_llm_client", "parse_only",
    "request_key", "retry_after_s", "sanitize_url",
]  # fmt: skip
