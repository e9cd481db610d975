"""What one topic run produced, as numbers: the Prefect artifacts of a run and the CLI lines.

`load_report` reads the day's tables (through storage); `report_rows` and `report_markdown`
are pure; `create_artifacts` publishes them to Prefect (a markdown artifact with the page and a
table artifact with counts per side and country, unknown share, duplicates removed, tokens and
cost), keyed per topic so the UI shows each topic's history.
"""

from __future__ import annotations

import datetime as dt
import re
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
