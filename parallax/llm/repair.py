"""One question to the model with one repair turn: a structured answer, checked, and once sent
back with what was wrong when it does not pass."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from parallax.llm.client import LLMClient

T = TypeVar("T")
MAX_ERRORS_QUOTED = 12  # errors quoted back in the repair turn (keeps it short)


class AnswerRejected(Exception):
    """The answer and its repair both failed the check."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("answer invalid after one repair: " + "; ".join(self.errors[:3]))


def repair_messages(
    messages: Sequence[Mapping[str, str]],
    answer: str,
    errors: Sequence[str],
    ask: str = "Return the corrected JSON object.",
) -> list[dict[str, str]]:
    """The conversation so far plus a turn quoting what was wrong."""
    quoted = "\n".join(f"- {e}" for e in errors[:MAX_ERRORS_QUOTED])
    more = len(errors) - MAX_ERRORS_QUOTED
    if more > 0:
        quoted += f"\n- ... and {more} more"
    return [
        *(dict(m) for m in messages),
        {"role": "assistant", "content": answer},
        {"role": "user", "content": f"Your answer was rejected:\n{quoted}\n{ask}"},
    ]


def ask_with_one_repair(
    client: LLMClient,
    purpose: str,
    messages: Sequence[Mapping[str, str]],
    schema: Mapping[str, Any],
    schema_name: str,
    check: Callable[[str], tuple[T, list[str]]],
) -> T:
    """What ``check`` reads from the answer that passes it (no errors). Raises AnswerRejected
    when the repair fails too, and the client's LLMError when a call fails. Both calls are
    audited (``purpose`` and ``purpose:repair``)."""
    conversation = [dict(m) for m in messages]
    for attempt in range(2):
        text, _record = client.complete_json(
            purpose + (":repair" if attempt else ""),
            conversation,
            schema,
            validate=check,
            schema_name=schema_name,
        )
        value, errors = check(text)
        if not errors:
            return value
        conversation = repair_messages(conversation, text, errors)
    raise AnswerRejected(errors)
