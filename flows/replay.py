"""Replay: recompute a published topic-day from the raw responses stored in DuckDB.

No feed is fetched: parsing reads the ``raw_fetches`` rows of the run that fetched the day.
The replay is a new run (kind ``replay``) whose ``parent_run_id`` is the run that wrote the
published page, so the ledger keeps the lineage. It republishes the day like any run, and
returns a unified diff of its page against the page that was published before it (also in the
flow log and as the ``replay-<topic>`` artifact). With the
same model and prompt, model answers come from the ``llm_calls`` cache, so the page is
reproduced byte for byte with no network request at all; replaying with the original model
after trying another restores the original page for free. A day of the offline demo is
replayed only as sample data (PARALLAX_SAMPLE_DATA): otherwise its invented page would lose its
marks and land in the live site's folders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from prefect import flow, get_run_logger

from flows.lake import run_topic_on_lake
from flows.report import artifact_key, page_diff
from flows.topic_day import run_topic
from flows.topic_run import STAGES, PipelineConfig, RunPlan
from parallax import limits, storage
from parallax.llm import LLMSettings
from parallax.llm.preflight import check_model
from parallax.settings import Settings, demo_paths
from parallax.storage.analyst_copy import publish_analyst_copy
from parallax.storage.ledger import exclusive_run, find_published_run
from parallax.topics import load_topics
from tasks.publish import is_sample_page, remove_partial_writes

REPLAY_STAGES = STAGES[1:]  # fetch is never replayed: its stored responses are the input
EXTRACTIVE = "extractive"  # --model value selecting the extractive summarizer


class ReplayError(RuntimeError):
    """The day cannot be replayed (nothing published, bad stage name)."""


@dataclass(frozen=True)
class ReplayResult:
    topic: str
    logical_date: dt.date
    run_id: str
    parent_run_id: str
    fetch_run_id: str
    status: str
    error: str | None
    page: str | None  # path
    diff: str  # empty: byte for byte identical
    fallback: str | None = None  # why the page has the extractive summary (a model configured)

    def outcome(self) -> str:
        """The replay's result in one line (flow log, artifact description)."""
        where = f"{self.topic} {self.logical_date} (run {self.run_id}, parent {self.parent_run_id})"
        if self.status != "succeeded":
            return f"replay of {where} FAILED: {self.error}"
        if not self.diff:
            return f"replay of {where}: identical, the page is reproduced byte for byte"
        changed = sum(
            1
            for line in self.diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        )
        return f"replay of {where}: the page differs ({changed} lines added or removed)"


def replay_config(config: PipelineConfig, settings: Settings, model: str | None) -> PipelineConfig:
    """The run's config with the summarizer ``model`` (None: as configured)."""
    if model is None:
        return config
    if model == EXTRACTIVE:
        return replace(config, llm=None)
    base = config.llm or LLMSettings(model=model, api_base=settings.llm_api_base)
    return replace(config, llm=replace(base, model=model))


@flow(name="replay", flow_run_name="replay {topic} {date}")
def replay(
    topic: str,
    date: dt.date,
    from_stage: str = "parse",
    model: str | None = None,
    allow_extractive: bool = False,
    snapshot: int | None = None,
) -> ReplayResult:
    """Recompute ``topic`` on ``date`` from stored responses, from ``from_stage`` on (earlier
    stages keep the day's stored rows), optionally with another ``model`` (or "extractive");
    on a lake, from what it held at ``snapshot`` (``FROM lake.snapshots()``). A model that
    cannot answer stops the replay unless ``allow_extractive``."""
    if from_stage not in REPLAY_STAGES:
        raise ReplayError(f"--from-stage must be one of {', '.join(REPLAY_STAGES)}")
    settings = Settings()
    if snapshot is not None and not storage.is_lake(settings.db):
        raise ReplayError("--snapshot needs a lake (PARALLAX_DB=ducklake:...): a DuckDB file "
                          "keeps no snapshots")  # fmt: skip
    storage.configure(settings.db_wait_s, settings.lake_data_path)
    config_topic = load_topics(settings.topics_file).get(topic)
    stored = storage.is_lake(settings.db) or settings.db.exists()
    found = find_published_run(settings.db, topic, date, snapshot) if stored else None
    if found is None:
        when = f" as of snapshot {snapshot}" if snapshot is not None else ""
        raise ReplayError(
            f"nothing published for {topic} {date}{when}: run or backfill that day first"
        )
    parent, published, fetch_run_id = found
    if is_sample_page(published) and not settings.sample_data:
        raise ReplayError(_sample_day_refusal(settings.db, topic, date))
    config = replay_config(PipelineConfig.from_settings(settings, date), settings, model)
    if STAGES.index(from_stage) <= STAGES.index("summarize"):  # the model will be asked
        unusable = check_model(
            config.llm,
            settings.llm_api_key_secret,
            allow_extractive or settings.allow_extractive,
        )
        config = replace(config, llm_unusable=unusable)
    plan = RunPlan("replay", parent_run_id=parent, fetch_run_id=fetch_run_id, from_stage=from_stage)
    with (
        exclusive_run(settings.db, settings.run_wait_s),
        limits.hold(
            {limits.MODEL_CALLS: settings.llm_max_concurrency}, limits.scope_of(settings.db)
        ),
    ):
        remove_partial_writes(settings.content_dir, settings.charts_dir)
        if storage.is_lake(settings.db):
            result = run_topic_on_lake(config_topic, date, config, plan, snapshot)
        else:
            result = run_topic(config_topic, date, config, plan)
        publish_analyst_copy(settings.db)
    diff = ""
    if result.status == "succeeded" and result.page:
        replayed = find_published_run(settings.db, topic, date)
        new_page = replayed[1] if replayed else ""
        diff = page_diff(
            published, new_page, f"published (run {parent})", f"replay (run {result.run_id})"
        )
    replay_result = ReplayResult(
        topic=topic,
        logical_date=date,
        run_id=result.run_id,
        parent_run_id=parent,
        fetch_run_id=fetch_run_id,
        status=result.status,
        error=result.error,
        page=result.page,
        diff=diff,
        fallback=result.fallback,
    )
    _report(replay_result)
    return replay_result


def _sample_day_refusal(db: Path, topic: str, date: dt.date) -> str:
    """Why a day of `parallax demo` is not replayed as a live day, and the command that replays
    it where the demo keeps it: its page would lose its sample marks and land in the live
    site's folders."""
    folder = demo_paths(db.parent)
    command = (
        f"PARALLAX_SAMPLE_DATA=true PARALLAX_CONTENT_DIR={_shown(folder.content)} "
        f"PARALLAX_CHARTS_DIR={_shown(folder.charts)} "
        f"parallax replay --db {_shown(db)} -t {topic} -d {date}"
    )
    return (
        f"{topic} {date} in {_shown(db)} is the demo's sample data (invented headlines); "
        f"replay it marked as such into the demo's folders: {command}"
    )


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter to type)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _report(result: ReplayResult) -> None:
    """The replay's result in the flow log and as a markdown artifact (the diff, if any)."""
    from prefect.artifacts import create_markdown_artifact

    get_run_logger().info(result.outcome())
    if result.status != "succeeded":
        body = f"Replay failed: `{result.error}`"
    elif result.diff:
        fence = "~~~~" if "```" in result.diff else "```"
        body = f"{result.outcome()}\n\n{fence}diff\n{result.diff}{fence}\n"
    else:
        body = f"{result.outcome()}: `{result.page}`"
    create_markdown_artifact(
        markdown=body,
        key=artifact_key("replay", result.topic),
        description=result.outcome(),
    )
