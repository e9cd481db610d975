"""End to end: the daily flow under Prefect against local feed servers (marked slow)."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest
import yaml

from parallax.cli.demo import SAMPLE_DATE, SAMPLE_FEEDS, SampleFeedServer
from parallax.settings import Settings
from parallax.topics import load_topics
from tasks.dedupe import titles_match
from tests.support.feedserver import Reply, ScriptedServer

pytestmark = pytest.mark.slow

TABLES = (
    "runs",
    "stage_runs",
    "raw_fetches",
    "articles",
    "duplicates",
    "article_perspectives",
    "article_relevance",
    "selections",
    "selection_shortfalls",
    "summaries",
    "digests",
)
LEDGER = {"runs": 1, "stage_runs": 9}  # rows one topic-run adds (and one raw fetch per feed)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PARALLAX_DB", str(tmp_path / "p.duckdb"))
    monkeypatch.setenv("PARALLAX_CONTENT_DIR", str(tmp_path / "content"))
    monkeypatch.setenv("PARALLAX_FETCH_RETRY_DELAY_S", "0")
    monkeypatch.setenv("PARALLAX_FETCH_RETRIES", "2")
    monkeypatch.delenv("PARALLAX_LLM_MODEL", raising=False)
    return tmp_path


def _counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _decisions(db: Path) -> tuple[list, list]:
    with duckdb.connect(str(db), read_only=True) as con:
        dups = con.execute(
            "SELECT topic, article_id, kept_article_id, method FROM duplicates ORDER BY ALL"
        ).fetchall()
        stories = con.execute(
            "SELECT topic, article_id, cluster_id FROM story_clusters ORDER BY ALL"
        ).fetchall()
    return dups, stories


def _front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])


def test_daily_flow_publishes_and_reruns_identically(prefect_harness, env, monkeypatch, request):
    from flows.daily import daily_digest
    from flows.topic_run import STAGES
    from parallax.progress import LOGGER

    lines: list[logging.LogRecord] = []
    listener = logging.Handler(logging.INFO)
    listener.emit = lines.append  # type: ignore[method-assign]
    LOGGER.addHandler(listener)
    # setLevel, not the attribute: logging caches each logger's enabled levels, and only
    # setLevel clears that cache (an earlier test may have left INFO cached as disabled).
    request.addfinalizer(lambda level=LOGGER.level: LOGGER.setLevel(level))
    LOGGER.setLevel(logging.INFO)

    configured = load_topics(Settings().topics_file)
    topics = ["us-china", "venezuela"]
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        first = daily_digest(topics=topics, date=SAMPLE_DATE)
        assert [r.status for r in first] == ["succeeded", "succeeded"]
        pages = {r.topic: Path(r.page) for r in first if r.page}
        first_bytes = {t: p.read_bytes() for t, p in pages.items()}
        before = _counts(env / "p.duckdb")
        decisions = _decisions(env / "p.duckdb")
        second = daily_digest(topics=topics, date=SAMPLE_DATE)

    assert {t: p.read_bytes() for t, p in pages.items()} == first_bytes
    for topic, page in pages.items():
        assert (page.parent / "_index.md").exists()
        chart = (env / "charts" / f"{topic}.svg").read_text(encoding="utf-8")
        assert chart.startswith("<svg") and "articles per day" in chart
    after = _counts(env / "p.duckdb")
    feeds = sum(len(configured.get(t).feeds) for t in topics)
    for table in TABLES:
        expected = before[table] + LEDGER.get(table, 0) * len(topics)
        expected += feeds if table == "raw_fetches" else 0
        assert after[table] == expected, table
    assert {r.run_id for r in first}.isdisjoint({r.run_id for r in second})
    assert _decisions(env / "p.duckdb") == decisions  # same duplicates and stories
    LOGGER.removeHandler(listener)
    progress = {tuple(r.getMessage().split()[:2]) for r in lines}
    assert {(t, s) for t in topics for s in STAGES} <= progress  # a line for every stage

    for page in pages.values():  # no page lists two copies of one headline
        titles = [a["title"] for a in _front(page)["articles"]]
        assert not [
            (a, b) for i, a in enumerate(titles) for b in titles[i + 1 :] if titles_match(a, b)
        ]

    with duckdb.connect(str(env / "p.duckdb"), read_only=True) as con:
        for topic, page in pages.items():
            front = _front(page)
            selected = dict(
                con.execute(
                    "SELECT side, count(*) FROM selections WHERE topic = ? AND logical_date = ?"
                    " GROUP BY side",
                    [topic, SAMPLE_DATE],
                ).fetchall()
            )
            intl = selected.pop("international", 0)
            assert {p["id"]: p["count"] for p in front["perspectives"] if p["count"]} == selected
            assert front["articleCount"] == sum(selected.values()) + intl
        # Every stored response is there, and the publisher domain for every <source url>.
        assert con.execute("SELECT count(*) FROM raw_fetches WHERE NOT ok").fetchone()[0] == 0
        missing = con.execute(
            "SELECT count(*) FROM articles WHERE source_url IS NOT NULL AND source_domain IS NULL"
        ).fetchone()[0]
        assert missing == 0
        # Outlets from countries on no side are kept for the audit, never put on a side.
        placed = con.execute(
            "SELECT p.perspective, p.country FROM selections s JOIN article_perspectives p"
            " USING (topic, logical_date, article_id) WHERE s.topic = 'us-china'"
        ).fetchall()
        config = load_topics(Settings().topics_file).get("us-china")
        for side, country in placed:
            assert config.side_of_country(country) == (None if side == "international" else side)
        statuses = con.execute("SELECT DISTINCT status FROM runs").fetchall()
        assert statuses == [("succeeded",)]


def test_failing_feeds_are_recorded_and_do_not_stop_other_topics(prefect_harness, env, monkeypatch):
    from flows.daily import TopicsFailedError, daily_digest
    from parallax.cli.demo import strip_date_operators

    config = load_topics(Settings().topics_file)
    us_china, india = config.get("us-china"), config.get("india-pakistan")
    server = ScriptedServer()
    english = [f for f in us_china.feeds if f.language == "en"]
    feed = {f.perspective: strip_date_operators(f.query) for f in english}
    body = (SAMPLE_FEEDS / "us-china" / "us-en-US.xml").read_bytes()
    # us feed: a 503 then the feed (retried); china feed: always truncated XML; the Chinese
    # language feed of the china side answers normally.
    server.script(feed["us"], Reply(503, b"busy"), Reply(200, body))
    china = (SAMPLE_FEEDS / "us-china" / "china-en-US.xml").read_bytes()
    server.script(feed["china"], Reply(200, china[: len(china) // 2]))
    chinese = next(f for f in us_china.feeds if f.language == "zh")
    server.script(
        strip_date_operators(chinese.query),
        Reply(200, (SAMPLE_FEEDS / "us-china" / "china-zh-CN.xml").read_bytes()),
    )
    for f in india.feeds:  # every india-pakistan feed is down
        server.script(strip_date_operators(f.query), Reply(500, b"error"))
    monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.url)
    try:
        with pytest.raises(TopicsFailedError, match="1 of 2 topics failed") as failed:
            daily_digest(topics=["us-china", "india-pakistan"], date=SAMPLE_DATE)
    finally:
        server.close()
    results = {r.topic: r for r in failed.value.results}

    ok, down = results["us-china"], results["india-pakistan"]
    assert ok.status == "succeeded" and ok.per_side.get("us", 0) > 0
    assert any("china (en-US) feed failed" in w and "malformed feed" in w for w in ok.warnings), (
        ok.warnings
    )
    assert down.status == "failed" and "HTTP 500" in (down.error or "")
    with duckdb.connect(str(env / "p.duckdb"), read_only=True) as con:
        fetches = con.execute(
            "SELECT topic, perspective, attempt, status_code, ok, error FROM raw_fetches"
            " ORDER BY topic, perspective, attempt"
        ).fetchall()
        runs = dict(con.execute("SELECT topic, status FROM runs").fetchall())
    us_attempts = [(f[2], f[3], f[4]) for f in fetches if f[:2] == ("us-china", "us")]
    assert us_attempts == [(1, 503, False), (2, 200, True)]
    china_attempts = [f for f in fetches if f[:2] == ("us-china", "china") and not f[4]]
    assert len(china_attempts) == 3 and all("malformed" in f[5] for f in china_attempts)
    page = Path(ok.page or "").read_text(encoding="utf-8")
    assert "The China (en-US) feed failed today (malformed feed" in page  # said in words
    assert runs == {"us-china": "succeeded", "india-pakistan": "failed"}


def test_rerun_during_an_outage_reuses_the_stored_answer(prefect_harness, env, monkeypatch):
    from flows.daily import daily_digest
    from parallax.cli.demo import strip_date_operators

    topic = load_topics(Settings().topics_file).get("us-china")
    server = ScriptedServer()
    for f in topic.feeds:
        sample = SAMPLE_FEEDS / "us-china" / f"{f.perspective}-{f.locale}.xml"
        server.script(strip_date_operators(f.query), Reply(200, sample.read_bytes()))
    china = next(f for f in topic.feeds if f.perspective == "china" and f.language == "en")
    monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.url)
    try:
        (good,) = daily_digest(topics=["us-china"], date=SAMPLE_DATE)
        page = Path(good.page or "").read_bytes()
        before = _counts(env / "p.duckdb")
        server.script(strip_date_operators(china.query), Reply(503, b"down"))
        (again,) = daily_digest(topics=["us-china"], date=SAMPLE_DATE)
    finally:
        server.close()

    assert again.status == "succeeded"
    assert any("china (en-US) feed failed" in w for w in again.warnings)
    assert any(
        w.startswith("reusing the stored china (en-US) feed from run") for w in again.warnings
    )
    after = Path(again.page or "").read_text(encoding="utf-8")
    # Nothing lost, nothing one-sided; the page says which feed failed and what it used.
    assert "The China (en-US) feed failed today (HTTP 503" in after
    assert "this page uses the answer it gave on" in after
    assert after.split("## Sources", 1)[1] == page.decode().split("## Sources", 1)[1]
    assert _counts(env / "p.duckdb")["articles"] == before["articles"]
