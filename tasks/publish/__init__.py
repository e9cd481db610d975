"""Publish: the Hugo page of a topic-day (page.py), written atomically and only when it
changed, the topic's section page and chart (chart.py); the page is recorded in `digests`."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import storage
from parallax.digest import (
    SummarizedDay,
    digest_input,
    digest_rows,
    summary_from_row,
)
from parallax.headlines import display_title
from parallax.lifetime import is_running
from parallax.records import RunRef
from parallax.storage import save_day
from parallax.storage.ledger import stage
from parallax.topics import Topic
from tasks.publish.changes import load_changes
from tasks.publish.chart import CHART_DAYS, render_topic_chart
from tasks.publish.notes import load_facts
from tasks.publish.page import PageCounts, is_sample_page, page_path, render_page, topic_index

__all__ = [
    "is_sample_page",
    "publish_day",
    "remove_partial_writes",
    "write_chart",
    "write_if_changed",
]

_PARTIAL = ".tmp"  # suffix of a file write_if_changed has not yet renamed into place
# ".<page name>.<writer's process id>.<random>.tmp": whose partial write it is.
_PARTIAL_NAME = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")


def write_if_changed(path: Path, content: str) -> bool:
    """Atomically replace ``path`` with ``content``; False (and no write) when identical."""
    data = content.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=_PARTIAL
    )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def remove_partial_writes(*folders: Path | None) -> int:
    """Delete the partial files that processes which no longer run left in the page and chart
    folders (write_if_changed's, named with the writer's process id); returns how many."""
    removed = 0
    for folder in folders:
        if folder is None or not folder.is_dir():
            continue
        for path in folder.rglob(f".*{_PARTIAL}"):
            match = _PARTIAL_NAME.match(path.name)
            if match is None or is_running(int(match.group(1))):
                continue
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def write_chart(con: duckdb.DuckDBPyConnection, topic: Topic, charts_dir: Path) -> bool:
    """Regenerate the topic's chart from DuckDB, ending at the topic's latest published day
    (so publishing an older day, e.g. in a backfill, does not move it back in time)."""
    ((end,),) = con.execute(storage.query("topic_last_published"), [topic.id]).fetchall()
    if end is None:
        return False
    first = end - dt.timedelta(days=CHART_DAYS - 1)
    counts = con.execute(storage.query("topic_daily_counts"), [topic.id, first, end]).df()
    svg = render_topic_chart(
        counts,
        topic.name,
        end=end,
        sides=[p.id for p in topic.perspectives],
        side_names={p.id: p.name for p in topic.perspectives},
    )
    return write_if_changed(charts_dir / f"{topic.id}.svg", svg)


def _stored_summary(con: duckdb.DuckDBPyConnection, topic: Topic, day: dt.date) -> SummarizedDay:
    rows = storage.load_day(con, "summaries", topic.id, day)
    if rows.empty:
        raise ValueError(f"{topic.id} {day} has no stored summary: run the summarize stage")
    row = rows.iloc[0].to_dict()
    digest = digest_input(topic, day, digest_rows(con, topic, day))
    return SummarizedDay(page=digest, summary=summary_from_row(row), counts={})


@task(name="publish", cache_policy=NO_CACHE, task_run_name="publish {run.topic}")
def publish_day(
    run: RunRef,
    db: Path,
    topic: Topic,
    content_dir: Path,
    window: tuple[dt.date, dt.date],
    charts_dir: Path | None = None,
    summarized: SummarizedDay | None = None,
    fetch_run_id: str | None = None,
    sample: bool = False,
) -> dict:
    """Write the day's page (and the topic's section page and chart); record it in `digests`.

    ``summarized``: the summarize stage's output when it ran in this run; otherwise (a replay
    from the publish stage) the page and summary are read from the database. ``sample``: the
    page is the demo's invented data and is marked so.
    """
    with stage(db, run, "publish") as counts:
        first, last = window
        with storage.connect(db) as con:
            if summarized is None:
                summarized = _stored_summary(con, topic, run.logical_date)
            side_counts = dict(
                con.execute(
                    storage.query("perspective_counts"), [run.topic, run.logical_date, first, last]
                ).fetchall()
            )
            facts = load_facts(
                con,
                run.topic,
                run.logical_date,
                fetch_run_id or run.run_id,
                {p.id: p.name for p in topic.perspectives},
                {i: feed.locale for i, feed in enumerate(topic.feeds)},
                topic.settings.max_per_outlet,
                summarized.summary.note,
                summarized.summary.translation_note,
            )
            changes = load_changes(
                con,
                run.topic,
                run.logical_date,
                {a.number: display_title(a.title) for a in summarized.page.articles},
                {p.id: p.name for p in topic.perspectives},
            )
        # Rendering and writing the page hold no connection (other topic-days use it).
        digest, summary = summarized.page, summarized.summary
        page = render_page(
            digest,
            summary,
            PageCounts(
                international=side_counts.get("international", 0),
                unknown=side_counts.get("unknown", 0),
                total=sum(side_counts.values()),
            ),
            facts,
            sample=sample,
            changes=changes,
        )
        path = page_path(content_dir, topic.id, run.logical_date)
        changed = write_if_changed(path, page)
        write_if_changed(content_dir / topic.id / "_index.md", topic_index(topic))
        digest_row = {
            "path": str(path),
            "content_sha256": hashlib.sha256(page.encode()).hexdigest(),
            "content": page,
            "changed": changed,
            "article_count": len(digest.articles),
        }
        save_day(db, run, "publish", {"digests": pd.DataFrame([digest_row])})
        chart_changed = None
        if charts_dir is not None:
            with storage.connect(db) as con:
                chart_changed = write_chart(con, topic, charts_dir)
        counts.update(
            path=str(path),
            changed=changed,
            articles=len(digest.articles),
            chart_changed=chart_changed,
        )
    return counts
