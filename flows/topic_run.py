"""What a topic-day run is given (`PipelineConfig`, `RunPlan`) and gives back (`TopicResult`),
shared by the chain (topic_day.py) and the flows that start it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parallax import limits
from parallax.settings import LLMSettings, Settings

# PipelineConfig fields that are settings of the same name.
_SAME_AS_SETTINGS = {
    "db", "content_dir", "charts_dir", "outlets_file", "google_news_url", "fetch_timeout_s",
    "fetch_retries", "fetch_retry_delay_s", "user_agent", "lexicon_file", "relevance_file",
    "embedding_threads", "sample_data", "feed_max_bytes", "feed_max_items",
}  # fmt: skip


@dataclass(frozen=True)
class PipelineConfig:
    """What a topic run needs from the settings (no secrets)."""

    db: Path
    content_dir: Path
    charts_dir: Path | None  # None: no chart (a backfill draws charts once at its end)
    outlets_file: Path
    lexicon_file: Path
    relevance_file: Path
    embedding_threads: int  # 0: one per CPU core (a backfill's worker processes: their share)
    google_news_url: str
    fetch_timeout_s: float
    fetch_retries: int
    fetch_retry_delay_s: float
    user_agent: str
    sample_data: bool  # pages are the demo's invented data, marked so
    feed_max_bytes: int  # bytes read of one answer
    feed_max_items: int  # items parsed from one answer
    day_bounded_search: bool  # add after:/before: operators (past days, backfills)
    llm: LLMSettings | None = None  # None: the extractive summarizer
    # Why the configured model cannot be used (pre-flight check), when the user allowed the
    # extractive fallback: the run calls no model and every summary says why.
    llm_unusable: str | None = None
    llm_api_key_secret: str | None = None  # Prefect Secret block name, loaded at run time
    classify_with_llm: bool = False  # the LLM fallback for unknown outlets (needs llm)
    relevance_with_llm: bool = False  # the model judges relevance (needs llm)
    # Model answers shared between a backfill's worker processes (parallax.llm.SharingLLMStore).
    shared_answers: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def from_settings(
        cls, settings: Settings, day: dt.date, llm_unusable: str | None = None
    ) -> PipelineConfig:
        return cls(
            **settings.model_dump(include=_SAME_AS_SETTINGS),
            day_bounded_search=day < dt.datetime.now(dt.UTC).date(),
            llm=settings.llm_settings(),
            llm_unusable=llm_unusable,
            llm_api_key_secret=settings.llm_api_key_secret,
            classify_with_llm=settings.classify_with_llm,
            relevance_with_llm=settings.relevance_with_llm,
        )


@dataclass
class TopicResult:
    topic: str
    logical_date: dt.date
    run_id: str
    status: str = "running"
    page: str | None = None
    per_side: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # something failed, e.g. one feed
    notes: list[str] = field(default_factory=list)  # worth knowing, e.g. a side's shortfall
    # Why the page has the extractive summary although a model is configured (summaries.note).
    fallback: str | None = None
    error: str | None = None

    def outcome(self) -> str:
        """The run's outcome in one line (the flow log's per-topic line)."""
        if self.status != "succeeded":
            return f"{self.topic} {self.logical_date} FAILED (run {self.run_id}): {self.error}"
        sides = " ".join(f"{k}={v}" for k, v in sorted(self.per_side.items())) or "no articles"
        summary = f"; extractive summary: {self.fallback}" if self.fallback else ""
        return f"{self.topic} {self.logical_date} ok: {sides}; page {self.page}{summary}"


FEEDS_CUT = "feeds cut at the limits"  # how the note on cut feeds starts

STAGES = (
    "fetch", "parse", "dedupe", "classify", "relevance", "stories", "select", "summarize",
    "publish",
)  # fmt: skip


@dataclass(frozen=True)
class RunPlan:
    """How a topic run starts: a live fetch (daily, backfill) or stored responses (replay)."""

    kind: str = "daily"
    parent_run_id: str | None = None  # lineage: the run a replay recomputes
    fetch_run_id: str | None = None  # replay: parse this run's stored responses, no network
    from_stage: str = "fetch"  # replay: stages before it keep the day's stored rows
    artifacts: bool = True  # the page and counts as Prefect artifacts
    flow_run_id: str | None = None  # default: the running flow's (a worker process has none)


DAILY = RunPlan()  # a daily run: live fetch, every stage


def run_limits(settings: Settings) -> dict[str, int]:
    """This run's share of the feed-request and model-call limits (parallax/limits.py)."""
    return {
        limits.FEED_REQUESTS: settings.feed_concurrency,
        limits.MODEL_CALLS: settings.llm_max_concurrency,
    }
