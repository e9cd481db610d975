"""For `parallax relevance`: score a CSV of headlines offline, as the pipeline's local scorer
would (no database, no model service)."""

from __future__ import annotations

import pandas as pd

from parallax.outlets.articles import classify_articles
from parallax.outlets.registry import OutletRegistry
from parallax.topics import TopicsConfig
from tasks.relevance.local import LocalScorer

TABLE_COLUMNS = ("score", "on_topic", "method", "evidence")


def score_table(
    frame: pd.DataFrame, topics: TopicsConfig, registry: OutletRegistry, scorer: LocalScorer
) -> pd.DataFrame:
    """A copy of ``frame`` with TABLE_COLUMNS added (or replaced).

    Input: ``topic``, ``title``, ``source_name`` and optionally ``source_url`` (the publisher,
    which places the outlet more surely); other columns are kept as they are.
    """
    missing = [c for c in ("topic", "title", "source_name") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"input needs columns topic, title, source_name (optional: source_url, "
            f"feed_perspective); missing {missing}"
        )
    out = frame.copy()
    for column in TABLE_COLUMNS:
        out[column] = pd.Series([None] * len(out), index=out.index, dtype=object)
    for topic_id, rows in frame.groupby("topic", sort=True):
        topic = topics.get(str(topic_id))  # ConfigError names the configured topics
        articles = pd.DataFrame(
            {
                "article_id": [str(i) for i in rows.index],
                "source_name": rows["source_name"],
                "source_url": rows.get("source_url"),
                "title": rows["title"],
            },
            index=rows.index,
        )
        sides = classify_articles(articles, topic, registry)["perspective"].tolist()
        titles = rows["title"].fillna("").astype(str).tolist()
        similarities, _ = scorer.similarities(None, topic, titles)
        for index, (score, on, evidence) in zip(
            rows.index, scorer.score(topic, titles, sides, similarities), strict=True
        ):
            out.at[index, "score"] = score
            out.at[index, "on_topic"] = on
            out.at[index, "method"] = scorer.method
            out.at[index, "evidence"] = evidence
    return out
