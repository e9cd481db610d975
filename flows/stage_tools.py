"""What a topic-day's stages are handed: the run's model client in its users (summarizer,
outlet fallback, relevance judge) and the local relevance scorer; and how the run reports a
summary that fell back and feeds that were cut."""

from __future__ import annotations

import os
from dataclasses import dataclass

from flows.topic_run import FEEDS_CUT, PipelineConfig
from parallax.digest import SummarizedDay
from parallax.embeddings import shared_embedder
from parallax.lexicon import load_lexicon
from parallax.llm import LLMClient, make_llm_client
from parallax.outlets.registry import load_registry
from parallax.records import RunRef, Summarizer
from tasks.classify.llm import LLMOutletFallback
from tasks.fetch import FetchOutcome
from tasks.relevance.local import LocalScorer
from tasks.relevance.scorer import load_scoring
from tasks.summarize import make_summarizer


def local_scorer(config: PipelineConfig) -> LocalScorer:
    """The local relevance scorer: the lexicon, the weights and the process's embedding model."""
    threads = config.embedding_threads or os.cpu_count() or 1
    return LocalScorer(
        lexicon=load_lexicon(config.lexicon_file),
        scoring=load_scoring(config.relevance_file),
        embedder=shared_embedder(threads),
        registry=load_registry(config.outlets_file),
    )


@dataclass(frozen=True)
class ModelUsers:
    """The stages' users of the run's one model client (so they share its budget)."""

    summarizer: Summarizer  # the extractive one when no model is configured or usable
    outlet_fallback: LLMOutletFallback | None  # asks about outlets the registry cannot place
    relevance_judge: LLMClient | None  # judges relevance instead of the local scorer
    translator: LLMClient | None  # renders the page's non-English headlines in English


def model_users(config: PipelineConfig, run: RunRef) -> ModelUsers:
    """The run's model users; none when no model is configured, or the pre-flight check found
    it unusable (and the fallback allowed): then the summaries say why."""
    if config.llm is not None and config.llm_unusable is not None:
        unusable = (config.llm.model, config.llm_unusable)
        return ModelUsers(make_summarizer(None, unusable), None, None, None)
    llm = make_llm_client(
        config.llm, config.db, run.run_id, config.llm_api_key_secret, config.shared_answers
    )
    return ModelUsers(
        summarizer=make_summarizer(llm),
        outlet_fallback=LLMOutletFallback(llm) if llm and config.classify_with_llm else None,
        relevance_judge=llm if config.relevance_with_llm else None,
        translator=llm,
    )


def fallback_reason(summarizer: Summarizer, summarized: SummarizedDay) -> str | None:
    """Why a day with articles got the extractive summary though a model was configured, as
    the summarize stage stored it (``summaries.note``); None when it did not fall back."""
    configured = summarizer.name.startswith("llm:")
    if not configured or not summarized.page.articles:  # nothing to summarize: no fallback
        return None
    if summarized.summary.summarizer.startswith("llm:"):
        return None
    return summarized.summary.note or "no reason recorded"


def limits_note(outcomes: list[FetchOutcome], config: PipelineConfig) -> str | None:
    """One line saying which feeds the per-feed limits cut, or None."""
    parts = []
    for o in outcomes:
        if o.items_cut:
            parts.append(
                f"{o.perspective} {config.feed_max_items:,} of {o.item_count:,} items read "
                "(PARALLAX_FEED_MAX_ITEMS)"
            )
        if o.body_cut:
            parts.append(
                f"{o.perspective} answer longer than {config.feed_max_bytes:,} bytes, its start "
                "read (PARALLAX_FEED_MAX_BYTES)"
            )
    return f"{FEEDS_CUT}: " + "; ".join(parts) if parts else None
