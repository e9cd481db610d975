"""The relevance stage: evidence, the local score, the stage's table and its reuse of earlier
judgements, and the CSV scorer behind `parallax relevance`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from parallax import storage
from parallax.embeddings import shared_embedder
from parallax.lexicon import load_lexicon
from parallax.outlets.registry import load_registry
from parallax.records import RunRef
from parallax.settings import Settings
from parallax.storage.ledger import start_run
from parallax.topics import load_topics
from tasks.relevance import relevance_day
from tasks.relevance.features import FEATURES, evidence_for, feature_vector
from tasks.relevance.local import LocalScorer
from tasks.relevance.scorer import RelevanceConfigError, load_scoring
from tasks.relevance.table import score_table

DAY = dt.date(2026, 2, 7)
WINDOW = (DAY - dt.timedelta(days=2), DAY)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="module")
def topics(settings):
    return load_topics(settings.topics_file)


@pytest.fixture(scope="module")
def scorer(settings) -> LocalScorer:
    return LocalScorer(
        lexicon=load_lexicon(settings.lexicon_file),
        scoring=load_scoring(settings.relevance_file),
        embedder=shared_embedder(1),
        registry=load_registry(settings.outlets_file),
    )


def _features(scorer, topic, title: str, side: str | None) -> dict[str, float]:
    evidence = evidence_for(title, topic, scorer.lexicon, 0.8, scorer.registry)
    return dict(zip(FEATURES, feature_vector(evidence, side, topic), strict=True))


def test_naming_the_other_side_with_a_word_of_dealings(scorer, topics):
    china_taiwan = topics.get("china-taiwan")
    f = _features(
        scorer, china_taiwan, "MAC condemns Beijing over detention of a citizen", "taiwan"
    )
    assert f["names_other_side"] == 1 and f["relation_with_other_side"] == 1
    f = _features(scorer, china_taiwan, "Taipei opens a new metro line", "taiwan")
    assert f["names_own_side_only"] == 1 and f["relation_with_other_side"] == 0


def test_an_outlet_named_in_the_headline_names_no_country(scorer, topics):
    us_china = topics.get("us-china")
    f = _features(scorer, us_china, "Stocks rally on tech earnings - Global Times", "china")
    assert f["names_no_side"] == 1


def test_a_mark_of_another_kind_of_story(scorer, topics):
    venezuela = topics.get("venezuela")
    f = _features(scorer, venezuela, "Venezuela vence a Estados Unidos en el Clásico Mundial", "us")
    assert f["off_subject"] == 1 and f["names_focus"] == 1


@pytest.mark.parametrize(
    ("topic", "side", "title", "on"),
    [
        (
            "us-china",
            "china",
            "China vows countermeasures after US adds firms to export blacklist",
            True,
        ),
        ("us-china", "us", "Trump signs order to speed up review of psychedelics", False),
        (
            "india-pakistan",
            "pakistan",
            "Pakistan rejects India's claims on the Indus Waters Treaty",
            True,
        ),
        ("india-pakistan", "pakistan", "Karachi traffic plan announced for the holidays", False),
        (
            "china-japan",
            "japan",
            "Japan protests Chinese coast guard ships near the Senkakus",
            True,
        ),
        (
            "venezuela",
            "venezuelan",
            "Gobierno venezolano anuncia nuevo aumento del salario mínimo",
            True,
        ),
    ],
)
def test_the_local_score_decides_plain_cases(scorer, topics, topic, side, title, on):
    topic_config = topics.get(topic)
    similarities, _ = scorer.similarities(None, topic_config, [title])
    [(score, decided, evidence)] = scorer.score(topic_config, [title], [side], similarities)
    assert decided is on, (score, evidence)
    assert 0.0 <= score <= 1.0 and evidence


def test_a_mark_of_sport_vetoes_the_headline(scorer, topics):
    venezuela = topics.get("venezuela")
    titles = [
        "Venezuela y Estados Unidos retoman el diálogo",
        "Venezuela y Estados Unidos, a la final del Clásico Mundial de béisbol",
    ]
    similarities, _ = scorer.similarities(None, venezuela, titles)
    politics, baseball = scorer.score(venezuela, titles, ["us", "us"], similarities)
    assert politics[1] is True
    assert baseball[:2] == (0.0, False) and "but: " in baseball[2]


def test_weights_file_errors_say_where(tmp_path: Path):
    with pytest.raises(RelevanceConfigError, match="not found"):
        load_scoring(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("default:\n  features:\n    nonsense: {weight: 1}\n", encoding="utf-8")
    with pytest.raises(RelevanceConfigError, match="unknown features"):
        load_scoring(bad)
    bad.write_text("default:\n  vetoes: [nonsense]\n", encoding="utf-8")
    with pytest.raises(RelevanceConfigError, match="unknown features"):
        load_scoring(bad)
    bad.write_text("topics: {}\n", encoding="utf-8")
    with pytest.raises(RelevanceConfigError, match="needs a 'default'"):
        load_scoring(bad)


# --- the stage ------------------------------------------------------------------------------

ARTICLES = [  # id, title, outlet, side
    ("a1", "China vows countermeasures after US adds firms to export blacklist", "Xinhua", "china"),
    ("a2", "Trump signs order to speed up review of psychedelics", "CNN", "us"),
    ("a3", "Beijing and Washington to resume trade talks next week", "Reuters", "international"),
    ("a4", "Trump signs order to speed up review of psychedelics", "Fox News", "us"),  # same title
]


def _store_day(db: Path, run: RunRef, articles=ARTICLES) -> None:
    published = dt.datetime.combine(DAY, dt.time(8), dt.UTC)
    frame = pd.DataFrame(
        [
            {
                "topic": run.topic,
                "logical_date": run.logical_date,
                "run_id": run.run_id,
                "article_id": aid,
                "fetch_id": "f",
                "feed_perspective": "us",
                "link": f"https://example.org/{aid}",
                "title": title,
                "source_name": outlet,
                "published_at": published,
            }
            for aid, title, outlet, _ in articles
        ]
    )
    sides = pd.DataFrame(
        [
            {
                "topic": run.topic,
                "logical_date": run.logical_date,
                "run_id": run.run_id,
                "article_id": aid,
                "perspective": side,
                "outlet_kind": "outlet",
                "method": "registry",
            }
            for aid, _, _, side in articles
        ]
    )
    with storage.connect(db) as con:
        for table, rows in (("articles", frame), ("article_perspectives", sides)):
            if rows.empty:
                continue
            con.register("_rows", rows)
            con.execute(  # a re-run of the day replaces what the earlier run parsed
                f"DELETE FROM {table} WHERE topic = ? AND logical_date = ?",
                [run.topic, run.logical_date],
            )
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
            con.unregister("_rows")


def _judge(db: Path, topics, scorer, day: dt.date = DAY, articles=ARTICLES) -> tuple[dict, RunRef]:
    run = RunRef.new("us-china", day)
    start_run(db, run, "extractive")
    _store_day(db, run, articles)
    window = (day - dt.timedelta(days=2), day + dt.timedelta(days=1))
    return relevance_day.fn(run, db, topics.get("us-china"), window, scorer), run


def _table(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT logical_date, article_id, side, on_topic, reused, method LIKE 'local:%'"
            " FROM article_relevance ORDER BY logical_date, article_id"
        ).fetchall()


def test_the_stage_judges_every_article_and_keeps_why(tmp_path, topics, scorer):
    db = tmp_path / "p.duckdb"
    counts, _ = _judge(db, topics, scorer)
    assert counts["articles"] == 4 and counts["on_topic"] + counts["off_topic"] == 4
    assert counts["judged"] == 3  # a4's title was judged with a2's (same title, same side)
    rows = {r[1]: r for r in _table(db)}
    assert rows["a1"][3] is True and rows["a2"][3] is False and rows["a4"][3] is False
    with duckdb.connect(str(db), read_only=True) as con:
        [(evidence,)] = con.execute(
            "SELECT evidence FROM article_relevance WHERE article_id = 'a1'"
        ).fetchall()
    assert "names China" in evidence and "names United States" in evidence


def test_a_rerun_and_a_later_day_reuse_the_judgements(tmp_path, topics, scorer):
    db = tmp_path / "p.duckdb"
    _judge(db, topics, scorer)
    first = _table(db)
    again, _ = _judge(db, topics, scorer)  # a re-run of the day replaces its rows
    assert again["judged"] == 0 and again["embedded"] == 0 and again["reused"] == 4
    assert [r[:4] for r in _table(db)] == [r[:4] for r in first]
    later, _ = _judge(db, topics, scorer, DAY + dt.timedelta(days=1), ARTICLES[:2])
    assert later["judged"] == 0 and later["reused"] == 2
    assert len(_table(db)) == 6  # 4 + 2, no duplicated rows


def test_a_day_without_articles_judges_nothing(tmp_path, topics, scorer):
    counts, _ = _judge(tmp_path / "p.duckdb", topics, scorer, articles=[])
    assert counts["articles"] == 0 and counts["judged"] == 0


# --- the CSV scorer (`parallax relevance`) -----------------------------------------------------


def test_score_table_adds_the_columns_and_keeps_the_others(topics, scorer, settings):
    frame = pd.DataFrame(
        {
            "topic": ["us-china", "us-china"],
            "title": [ARTICLES[0][1], ARTICLES[1][1]],
            "source_name": ["Xinhua", "CNN"],
            "note": ["kept", "kept"],
        }
    )
    out = score_table(frame, topics, load_registry(settings.outlets_file), scorer)
    assert list(out.columns) == ["topic", "title", "source_name", "note", "score", "on_topic",
                                 "method", "evidence"]  # fmt: skip
    assert out["on_topic"].tolist() == [True, False]
    assert (out["note"] == "kept").all()


def test_score_table_names_missing_columns(topics, scorer, settings):
    with pytest.raises(ValueError, match=r"missing \['source_name'\]"):
        score_table(
            pd.DataFrame({"topic": ["us-china"], "title": ["x"]}),
            topics,
            load_registry(settings.outlets_file),
            scorer,
        )
