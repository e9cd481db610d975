"""What one topic run produced, as numbers: the Prefect artifacts of a run and the CLI lines.

`load_report` reads the day's tables (through storage); `report_rows` and `report_markdown`
are pure; `create_artifacts` publishes them to Prefect (a markdown artifact with the page and a
table artifact with counts per side and country, unknown share, duplicates removed, tokens and
cost), keyed per topic so the UI shows each topic's history. Fallbacks to the extractive
summary are summed up in one line (`fallback_line`) and one warning artifact.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from parallax import storage
from parallax.records import RunRef


@dataclass(frozen=True)
class RunReport:
    run_id: str
    topic: str
    logical_date: dt.date
    by_side_country: tuple[tuple[str, str, int], ...]  # (side, country, selected articles)
    by_perspective: dict[str, int] = field(default_factory=dict)  # recent, non-duplicates
    duplicates: int = 0
    llm_calls: int = 0
    llm_cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    page: str = ""

    @property
    def per_side(self) -> dict[str, int]:
        return _per_side(self.by_side_country)

    @property
    def unknown_share(self) -> float:
        total = sum(self.by_perspective.values())
        return self.by_perspective.get("unknown", 0) / total if total else 0.0


def _per_side(by_side_country: Iterable[tuple[str, str, int]]) -> dict[str, int]:
    sides: dict[str, int] = {}
    for side, _, n in by_side_country:
        sides[side] = sides.get(side, 0) + int(n)
    return sides


def load_per_side(db: Path, run: RunRef) -> dict[str, int]:
    """Selected articles per side: all of `load_report` a run without artifacts needs."""
    with storage.connect(db) as con:
        rows = con.execute(storage.query("run_report"), [run.topic, run.logical_date]).fetchall()
    return _per_side(rows)


def load_report(db: Path, run: RunRef, window: tuple[dt.date, dt.date]) -> RunReport:
    first, last = window
    with storage.connect(db) as con:
        by_side = con.execute(storage.query("run_report"), [run.topic, run.logical_date]).fetchall()
        by_perspective = dict(
            con.execute(
                storage.query("perspective_counts"),
                [run.topic, run.logical_date, first, last],
            ).fetchall()
        )
        (duplicates,) = storage.first_row(
            con,
            storage.query("day_duplicates_count"),
            [run.topic, run.logical_date],
        ) or (0,)
        usage = storage.first_row(con, storage.query("run_llm_usage"), [run.run_id])
        page = storage.first_row(
            con,
            storage.query("day_page"),
            [run.topic, run.logical_date],
        )
    calls, hits, prompt, completion, cost = usage or (0, 0, 0, 0, 0.0)
    return RunReport(
        run_id=run.run_id,
        topic=run.topic,
        logical_date=run.logical_date,
        by_side_country=tuple((s, c, int(n)) for s, c, n in by_side),
        by_perspective={k: int(v) for k, v in by_perspective.items()},
        duplicates=int(duplicates),
        llm_calls=int(calls),
        llm_cache_hits=int(hits),
        prompt_tokens=int(prompt),
        completion_tokens=int(completion),
        cost_usd=float(cost),
        page=page[0] if page else "",
    )


def report_rows(report: RunReport) -> list[dict[str, object]]:
    """The table artifact: one row per side and country, then the run's totals."""
    rows: list[dict[str, object]] = [
        {"metric": f"selected {side} / {country}", "value": n}
        for side, country, n in report.by_side_country
    ]
    rows += [
        {"metric": f"recent articles: {p}", "value": n}
        for p, n in sorted(report.by_perspective.items())
    ]
    rows += [
        {"metric": "unknown share", "value": f"{report.unknown_share:.1%}"},
        {"metric": "duplicates removed", "value": report.duplicates},
        {"metric": "model calls", "value": report.llm_calls},
        {"metric": "model cache hits", "value": report.llm_cache_hits},
        {"metric": "prompt tokens", "value": report.prompt_tokens},
        {"metric": "completion tokens", "value": report.completion_tokens},
        {"metric": "cost (USD)", "value": f"{report.cost_usd:.6f}"},
    ]
    return rows


def artifact_key(kind: str, topic: str) -> str:
    """Prefect artifact keys allow lower-case letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", f"{kind}-{topic}".lower()).strip("-")


def create_artifacts(report: RunReport) -> None:
    """The page and the counts of a topic run as Prefect artifacts (needs a flow/task run)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    when = report.logical_date.isoformat()
    create_markdown_artifact(
        markdown=report.page or "_no page was published_",
        key=artifact_key("page", report.topic),
        description=f"{report.topic} {when}: the published page (run {report.run_id})",
    )
    create_table_artifact(
        table=report_rows(report),
        key=artifact_key("counts", report.topic),
        description=f"{report.topic} {when}: articles per side and country, unknown share, "
        f"duplicates removed, model tokens and cost (run {report.run_id})",
    )


def page_diff(published: str, replayed: str, published_label: str, replay_label: str) -> str:
    """Unified diff of two pages; empty when they are byte for byte the same."""
    import difflib

    return "".join(
        difflib.unified_diff(
            published.splitlines(keepends=True),
            replayed.splitlines(keepends=True),
            fromfile=published_label,
            tofile=replay_label,
        )
    )


FELL_BACK_STATE = "Fell back"  # the final state's name of a run with extractive fallbacks


def fallback_line(fell_back: list[tuple[str, str]], total: int, unit: str = "topics") -> str:
    """One line: how many of ``total`` fell back to the extractive summary, and why.
    ``fell_back``: (what, reason) pairs, e.g. ("us-china", "model call failed ...")."""
    by_reason: dict[str, list[str]] = {}
    for what, reason in fell_back:
        by_reason.setdefault(reason, []).append(what)
    groups = sorted(by_reason.items(), key=lambda item: (-len(item[1]), item[0]))
    reasons = "; ".join(f"{_shorten(reason)} ({_names(names)})" for reason, names in groups[:3])
    more = f"; {len(groups) - 3} other reasons" if len(groups) > 3 else ""
    return (
        f"{len(fell_back)} of {total} {unit} fell back to the extractive summary: {reasons}{more}"
    )


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _names(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def create_fallback_artifact(fell_back: list[tuple[str, str]], summary: str) -> None:
    """A warning in the Prefect UI: what fell back to the extractive summary, and why."""
    from prefect.artifacts import create_markdown_artifact

    rows = "\n".join(f"| {what} | {reason.replace('|', '/')} |" for what, reason in fell_back)
    create_markdown_artifact(
        markdown=f"**Warning: {summary}**\n\n| what | why |\n|---|---|\n{rows}\n",
        key="summary-fallbacks",
        description="pages with the extractive summary although a model is configured",
    )


def fell_back_state(summary: str, data: object) -> object:
    """The run's final state when pages fell back: Completed, named so in the UI; Prefect makes
    a state a flow returns its final state and hands ``data`` to the caller."""
    from prefect.states import Completed

    return Completed(name=FELL_BACK_STATE, message=summary, data=data)


class ProgressArtifact:
    """A long run's progress in the Prefect UI: a progress artifact, advanced as units of work
    finish (from any thread). Each update is an API call, so it is made at most every
    ``every_s`` seconds, and at the end."""

    def __init__(self, key: str, total: int, description: str, every_s: float = 2.0) -> None:
        from prefect.artifacts import create_progress_artifact

        self.total, self.done, self.every_s = total, 0, every_s
        self._lock = threading.Lock()
        self._shown_at = time.monotonic()
        # The context holds the run's Prefect settings (API URL): updates come from threads
        # that do not have it.
        self._context = contextvars.copy_context()
        artifact_id = create_progress_artifact(
            progress=0.0 if total else 100.0, key=key, description=description
        )
        assert isinstance(artifact_id, uuid.UUID)  # made from synchronous code
        self._id = artifact_id

    def advance(self, outcome: object) -> None:
        """One unit done (an observer of `flows.parallel.threads.notify`); skipped units are
        not work and not counted."""
        if getattr(outcome, "status", None) == "skipped":
            return
        with self._lock:
            self.done += 1
            due = time.monotonic() - self._shown_at >= self.every_s
            if due:
                self._shown_at = time.monotonic()
                self._show()

    def finish(self) -> None:
        with self._lock:
            self._show()

    def _show(self) -> None:
        from prefect.artifacts import update_progress_artifact

        percent = 100.0 * self.done / self.total if self.total else 100.0
        self._context.copy().run(update_progress_artifact, self._id, min(percent, 100.0))
