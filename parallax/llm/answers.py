"""Reading a model's answer: the JSON object in it, however the provider wrapped it."""

from __future__ import annotations

import json
import re
from typing import Any

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
