"""Summarize: highlights and per-side bullets for the selected articles of a topic-day.

The default summarizer is extractive (extractive.py); with a model configured, the LLM
summarizer (llm.py) implements the same ``Summarizer`` protocol and falls back to the
extractive one, saying why, when the model's answer fails validation.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import storage
from parallax.digest import (
    SummarizedDay,
    digest_input,
    digest_rows,
    summary_from_row,
    summary_row,
)
from parallax.llm import LLMClient
from parallax.records import DigestInput, RunRef, Summarizer
from parallax.storage import save_day
from parallax.storage.ledger import stage
from parallax.topics import Topic
from tasks.summarize.extractive import ExtractiveSummarizer
from tasks.summarize.translate import TranslationFailed, needs_translation, translate


def make_summarizer(
    client: LLMClient | None, unusable: tuple[str, str] | None = None
) -> Summarizer:
    """The extractive summarizer unless a model client is given; then the LLM summarizer, which
    falls back to the extractive one (and says why) when the model's answer fails validation.
    ``unusable``: (model, problem) when the configured model failed the pre-flight check and the
    fallback was allowed: extractive summaries that say why."""
    if client is None and unusable is None:
        return ExtractiveSummarizer()
    from tasks.summarize.llm import LLMSummarizer, UnusableModelSummarizer

    if client is None:
        assert unusable is not None
        return UnusableModelSummarizer(*unusable, fallback=ExtractiveSummarizer())
    return LLMSummarizer(client, fallback=ExtractiveSummarizer())


@task(name="summarize", cache_policy=NO_CACHE, task_run_name="summarize {run.topic}")
def summarize_day(
    run: RunRef,
    db: Path,
    topic: Topic,
    summarizer: Summarizer,
    translator: LLMClient | None = None,
) -> SummarizedDay:
    """Summarize the selection (which holds on-topic articles only: the relevance stage
    decided); with a ``translator`` (the run's model), first render the page's non-English
    headlines in English (one call), which the summary and the page then show."""
    with stage(db, run, "summarize") as counts:
        with storage.connect(db) as con:
            rows = digest_rows(con, topic, run.logical_date)
        digest = digest_input(topic, run.logical_date, rows)
        translations, translation_note = _translate(translator, digest, run)
        digest = replace(
            digest,
            articles=tuple(
                replace(a, translation=translations.get(a.article_id)) for a in digest.articles
            ),
        )
        summary = summarizer.summarize(digest)  # may call a model: no DB connection held
        summary = replace(summary, translation_note=translation_note)
        row = summary_row(summary)
        save_day(
            db,
            run,
            "summarize",
            {
                "summaries": pd.DataFrame([row]),
                "headline_translations": _translation_rows(digest, translator),
            },
        )
        counts.update(
            summarizer=summary.summarizer,
            highlights=len(summary.highlights),
            bullets={s: len(b) for s, b in summary.sides.items()},
            note=summary.note,
            translated=len(translations),
            translation_note=translation_note,
        )
    return SummarizedDay(page=digest, summary=summary_from_row(row), counts=counts)


def _translate(
    translator: LLMClient | None, digest: DigestInput, run: RunRef
) -> tuple[dict[str, str], str | None]:
    """English renderings by article id, and why there are none when some were needed."""
    foreign = needs_translation(digest.articles)
    if translator is None or not foreign:
        return {}, None
    try:
        return translate(translator, foreign, f"translate:{run.topic}:{run.logical_date}"), None
    except TranslationFailed as exc:
        return {}, str(exc)


def _translation_rows(digest: DigestInput, translator: LLMClient | None) -> pd.DataFrame:
    method = f"llm:{translator.settings.model}" if translator is not None else ""
    return pd.DataFrame(
        [
            {
                "article_id": a.article_id,
                "language": a.language,
                "translation": a.translation,
                "method": method,
            }
            for a in digest.articles
            if a.translation
        ],
        columns=["article_id", "language", "translation", "method"],
    )
