"""Relevance: how much each of the day's articles is about its topic, and why.

After classify (which knows each outlet's side) and before select (which takes on-topic
articles only). Every judgement is kept in `article_relevance` with its score, decision,
method and evidence; a title already judged by the same method for the same side is not judged
again (a later day, a re-run or a replay reuses it). With a model configured, one call judges a
batch of the day's new headlines (llm.py); otherwise, or when the model fails, the local scorer
does (local.py), and a failure is recorded with each article it concerns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import storage
from parallax.llm import LLMClient
from parallax.records import RunRef
from parallax.storage.ledger import stage
from parallax.topics import Topic
from parallax.window import usable
from tasks.relevance.llm import Headline, JudgeFailed, judge
from tasks.relevance.local import LocalScorer

RELEVANCE_COLUMNS = (
    "article_id", "title_key", "side", "score", "on_topic", "method", "evidence", "reused",
    "fallback",
)  # fmt: skip


def title_key(title: str) -> str:
    return hashlib.sha256(title.encode("utf-8")).hexdigest()


@task(name="relevance", cache_policy=NO_CACHE, task_run_name="relevance {run.topic}")
def relevance_day(
    run: RunRef,
    db: Path,
    topic: Topic,
    window: tuple[dt.date, dt.date],
    scorer: LocalScorer,
    model: LLMClient | None = None,
) -> dict:
    """Judge the day's recent articles; returns the stage's counts."""
    with stage(db, run, "relevance") as counts:
        with storage.connect(db) as con:
            articles = con.execute(
                storage.query("relevance_candidates"), [run.topic, run.logical_date]
            ).df()
        articles = articles[usable(articles, window)].reset_index(drop=True)
        articles["title"] = articles["title"].fillna("").astype(str)
        articles["title_key"] = pd.Series(  # object even when the day has no articles
            [title_key(t) for t in articles["title"]], index=articles.index, dtype=object
        )
        method = f"llm:{model.settings.model}" if model is not None else scorer.method
        judged = _reuse(db, run, articles, method)
        todo = articles[judged["score"].isna()]
        fresh, embedded, fallback = _judge(db, run, topic, todo, scorer, model)
        rows = _rows(articles, judged, fresh)
        storage.save_day(db, run, "relevance", {"article_relevance": rows})
        counts.update(
            articles=len(rows),
            on_topic=int(rows["on_topic"].sum()),
            off_topic=int((~rows["on_topic"]).sum()),
            reused=int(rows["reused"].sum()),
            judged=len(fresh),
            embedded=embedded,
            method=method,
            fallback=fallback,
        )
    return counts


def _reuse(db: Path, run: RunRef, articles: pd.DataFrame, method: str) -> pd.DataFrame:
    """Earlier judgements of the same titles for the same sides (NaN score where none)."""
    with storage.connect(db) as con:
        con.register("_wanted", articles[["title_key", "side"]].drop_duplicates())
        prior = con.execute(
            storage.query("relevance_prior"), [run.topic, run.logical_date, method]
        ).df()
    found = articles[["title_key", "side"]].merge(prior, on=["title_key", "side"], how="left")
    found.index = articles.index
    return found.assign(method=method)


def _judge(
    db: Path,
    run: RunRef,
    topic: Topic,
    todo: pd.DataFrame,
    scorer: LocalScorer,
    model: LLMClient | None,
) -> tuple[pd.DataFrame, int, str | None]:
    """Judgements of the titles not judged before (one per distinct title and side): the
    frame, how many texts were embedded, and why the model did not judge them (None: it did,
    or none is configured)."""
    distinct = todo.drop_duplicates(["title_key", "side"])
    if distinct.empty:
        return (
            pd.DataFrame(
                columns=["title_key", "side", "score", "on_topic", "evidence", "method", "fallback"]
            ),
            0,
            None,
        )
    fallback = None
    if model is not None:
        headlines = [
            Headline(title=t, outlet=str(o or ""), side=s)
            for t, o, s in zip(
                distinct["title"], distinct["source_name"], distinct["side"], strict=True
            )
        ]
        try:
            judgements = judge(
                model, topic, _about(scorer, topic), headlines, run.logical_date.isoformat()
            )
        except JudgeFailed as exc:
            fallback = str(exc)
        else:
            return (
                distinct.assign(
                    score=[j.score for j in judgements],
                    on_topic=[j.on_topic for j in judgements],
                    evidence=[f"model: {j.reason}" for j in judgements],
                    method=f"llm:{model.settings.model}",
                    fallback=None,
                )[["title_key", "side", "score", "on_topic", "evidence", "method", "fallback"]],
                0,
                None,
            )
    titles = distinct["title"].tolist()
    similarities, embedded = scorer.similarities(db, topic, titles)
    scored = scorer.score(topic, titles, distinct["side"].tolist(), similarities)
    return (
        distinct.assign(
            score=[s for s, _, _ in scored],
            on_topic=[on for _, on, _ in scored],
            evidence=[e for _, _, e in scored],
            method=scorer.method,
            fallback=fallback,
        )[["title_key", "side", "score", "on_topic", "evidence", "method", "fallback"]],
        embedded,
        fallback,
    )


def _about(scorer: LocalScorer, topic: Topic) -> str:
    lexicon = scorer.lexicon.topics.get(topic.id)
    return lexicon.about if lexicon else ""


def _rows(articles: pd.DataFrame, judged: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """One `article_relevance` row per article: the earlier judgement, else the fresh one."""
    reused = judged["score"].notna().tolist()
    keys = articles[["title_key", "side"]]
    new = keys.merge(fresh, on=["title_key", "side"], how="left") if len(fresh) else None

    def pick(column: str) -> list:
        newer = new[column].tolist() if new is not None else [None] * len(reused)
        earlier = judged[column].tolist()
        return [o if r else n for r, o, n in zip(reused, earlier, newer, strict=True)]

    fallbacks = new["fallback"].tolist() if new is not None else [None] * len(reused)
    return pd.DataFrame(
        {
            "article_id": articles["article_id"].tolist(),
            "title_key": articles["title_key"].tolist(),
            "side": articles["side"].tolist(),
            "score": [float(x) for x in pick("score")],
            "on_topic": [bool(x) for x in pick("on_topic")],
            "method": pick("method"),
            "evidence": [str(x) for x in pick("evidence")],
            "reused": reused,
            "fallback": [
                f if not r and isinstance(f, str) else None
                for r, f in zip(reused, fallbacks, strict=True)
            ],
        },
        columns=list(RELEVANCE_COLUMNS),
    )
