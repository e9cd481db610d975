"""What the fault suite's tests share: the topic-day they run, serving it a feed, running the
command, and the checks after a fault (pages, duplicate rows, run statuses)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from typer.testing import CliRunner

from parallax.cli.app import app
from parallax.settings import Settings
from parallax.topics import load_topics
from tests.support.feedserver import Reply, ScriptedServer
from tests.support.hostile_feeds import DAY

TOPIC = "us-china"
# Keys of the day tables: a re-run must leave one row per key.
DAY_KEYS = {
    "articles": "article_id",
    "duplicates": "article_id",
    "story_clusters": "article_id",
    "article_perspectives": "article_id",
    "article_relevance": "article_id",
    "day_stories": "story_id",
    "headline_translations": "article_id",
    "selections": "article_id",
    "selection_shortfalls": "side",
    "summaries": "topic",
    "digests": "topic",
}


def serve(server: ScriptedServer, body: bytes, content_type: str = "application/xml") -> None:
    for feed in load_topics(Settings().topics_file).get(TOPIC).feeds:
        server.script(feed.query, Reply(200, body, {"Content-Type": content_type}))


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def run_day() -> tuple[int, str]:
    return run_cli("run", "--date", DAY.isoformat(), "--topic", TOPIC)


def duplicate_rows(db: Path) -> dict[str, int]:
    """Rows beyond one per key, per day table (0 everywhere after any re-run)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            table: con.execute(
                f"SELECT count(*) - count(DISTINCT (topic, logical_date, {key})) FROM {table}"
            ).fetchall()[0][0]
            for table, key in DAY_KEYS.items()
        }


def statuses(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()]


def pages(content: Path) -> dict[str, bytes]:
    return {str(p.relative_to(content)): p.read_bytes() for p in sorted(content.rglob("*.md"))}
