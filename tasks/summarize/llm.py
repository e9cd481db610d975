"""LLM summaries with per-bullet citations, validated before anything is published.

`LLMSummarizer` asks the model (through `parallax.llm.LLMClient`) for a JSON object with overall
highlights, bullets per side and "where they differ"; every bullet carries the ids
(``DigestArticle.number``) of the articles that support it.

Flow: call -> `validate_summary` (answer.py) -> on errors one repair turn quoting them -> on
errors again (or when the model cannot be reached / the budget is spent) the injected fallback
summarizer (the extractive one) with ``note`` saying why. Every call, with its validation
errors, is in ``llm_calls``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from parallax.llm import LLMClient, LLMError, extract_json_object
from parallax.records import DigestInput, DigestSummary, Summarizer
from tasks.summarize.answer import check_summary, validate_summary
from tasks.summarize.prompt import SCHEMA_NAME, build_messages, repair_messages, summary_schema


class LLMSummarizer:
    """`Summarizer` backed by a model; falls back to ``fallback`` (extractive) and says why."""

    def __init__(self, client: LLMClient, fallback: Summarizer) -> None:
        self.client = client
        self.fallback = fallback
        self.name = f"llm:{client.settings.model}"

    def summarize(self, digest: DigestInput) -> DigestSummary:
        if not digest.articles:
            return self._fall_back(digest, "no articles to summarize", [], [])
        purpose = f"summarize:{digest.topic_id}:{digest.logical_date.isoformat()}"
        messages = build_messages(digest)
        schema = summary_schema(digest)

        def validate(text: str) -> tuple[Any, list[str]]:
            try:
                parsed: Any = extract_json_object(text)
            except ValueError as exc:
                return None, [f"invalid JSON: {exc}"]
            return parsed, validate_summary(parsed, digest)

        call_ids: list[str] = []
        errors: list[str] = []
        text = ""
        for attempt, purpose_suffix in enumerate(("", ":repair")):  # the answer, one repair
            if attempt:
                messages = repair_messages(messages, text, errors)
            try:
                text, record = self.client.complete_json(
                    purpose + purpose_suffix,
                    messages,
                    schema,
                    validate=validate,
                    schema_name=SCHEMA_NAME,
                )
            except LLMError as exc:
                reason = f"model call failed ({type(exc).__name__}): {exc}"
                return self._fall_back(digest, reason, call_ids, errors)
            call_ids.append(record.call_id)
            summary, errors = check_summary(text, digest)
            if summary is not None:
                return replace(
                    summary,
                    summarizer=self.name,
                    note=None,
                    extra={"llm_call_ids": call_ids, "llm_repaired": bool(attempt)},
                )
        shown = "; ".join(errors[:3]) + (f" (+{len(errors) - 3} more)" if len(errors) > 3 else "")
        reason = f"LLM answer invalid after one repair attempt: {shown}"
        return self._fall_back(digest, reason, call_ids, errors)

    def _fall_back(
        self, digest: DigestInput, reason: str, call_ids: list[str], errors: list[str]
    ) -> DigestSummary:
        summary = self.fallback.summarize(digest)
        extra = {**summary.extra, "llm_call_ids": call_ids, "llm_errors": list(errors)}
        return replace(summary, note=fallback_note(reason, self.fallback), extra=extra)


class UnusableModelSummarizer:
    """Stands in for `LLMSummarizer` when the pre-flight check found the model unusable and the
    user allowed the fallback: the fallback's summary, saying why, and no model call."""

    def __init__(self, model: str, problem: str, fallback: Summarizer) -> None:
        self.name = f"llm:{model}"  # what the run was configured with, as `LLMSummarizer`
        self.problem = problem
        self.fallback = fallback

    def summarize(self, digest: DigestInput) -> DigestSummary:
        summary = self.fallback.summarize(digest)
        reason = f"model not used: {self.problem}"
        return replace(summary, note=fallback_note(reason, self.fallback))


def fallback_note(reason: str, fallback: Summarizer) -> str:
    """The `DigestSummary.note` of a summary that fell back (stored in ``summaries.note``)."""
    return f"{reason}; {fallback.name} summary shown"
