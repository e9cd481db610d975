"""Parse: stored raw feed bodies -> rows of the `articles` table (documents read by
parallax/feeddoc.py)."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import storage
from parallax.feeddoc import FeedItem, read_items
from parallax.headlines import clean_text, split_title, title_text
from parallax.records import ARTICLE_COLUMNS, RunRef
from parallax.storage import save_day
from parallax.storage.ledger import stage


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(fragment or "")
    extractor.close()
    return clean_text(" ".join(extractor.parts))


def publisher_domain(source_url: str | None) -> str | None:
    """Host of the <source url="..."> attribute, lower case, without "www."."""
    if not source_url:
        return None
    try:
        host = urlsplit(source_url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def article_id(perspective: str, feed_index: int, key: str) -> str:
    """Stable id of an item within one feed of a topic-day."""
    return hashlib.sha1(f"{perspective}:{feed_index}|{key}".encode()).hexdigest()[:16]


def parse_feed(
    body: bytes,
    *,
    fetch_id: str,
    perspective: str,
    feed_index: int,
    language: str,
    region: str,
    max_items: int | None = None,
    cut: bool = False,
) -> pd.DataFrame:
    """The first ``max_items`` items of one feed document as article rows (columns:
    ARTICLE_COLUMNS). ``cut``: the body is the start of a longer answer (fetch's size limit)."""
    return item_rows(
        read_items(body, max_items, cut),
        fetch_id=fetch_id,
        perspective=perspective,
        feed_index=feed_index,
        language=language,
        region=region,
    )


def item_rows(
    items: list[FeedItem],
    *,
    fetch_id: str,
    perspective: str,
    feed_index: int,
    language: str,
    region: str,
) -> pd.DataFrame:
    rows = []
    seen: dict[str, int] = {}
    for position, item in enumerate(items):
        source_name = clean_text(item.source_title) or None
        source_url = (item.source_href or "").strip() or None
        link = (item.link or "").strip()
        guid = (item.guid or "").strip() or link
        key = guid or f"title:{item.title if item.title is not None else ''}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:  # a feed repeating an item: keep both rows, distinct ids
            key = f"{key}#{seen[key]}"
        raw_title = clean_text(item.title)
        rows.append(
            {
                "article_id": article_id(perspective, feed_index, key),
                "fetch_id": fetch_id,
                "feed_perspective": perspective,
                "language": language,
                "region": region,
                "feed_position": position,
                "guid": guid or None,
                "link": link or None,
                "title": split_title(title_text(item.title), source_name),
                "raw_title": raw_title,
                "description": html_to_text(item.summary),
                "source_name": source_name,
                "source_url": source_url,
                "source_domain": publisher_domain(source_url),
                "published_at": pd.Timestamp(item.published) if item.published else None,
            }
        )
    frame = pd.DataFrame(rows, columns=list(ARTICLE_COLUMNS))
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    return frame


def usable_fetches(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """The last good raw response of each feed of run ``run_id``, with its ``body``."""
    fetches = con.execute(storage.query("usable_fetches"), [run_id]).df()
    bodies = []
    for body_id in fetches["body_id"]:
        found = con.execute(storage.query("raw_fetch_body"), [body_id]).fetchall()
        bodies.append(found[0][0] if found else None)
    return fetches.assign(body=pd.Series(bodies, index=fetches.index, dtype=object))


@task(name="parse", cache_policy=NO_CACHE, task_run_name="parse {run.topic}")
def parse_feeds(
    run: RunRef,
    db: Path,
    locales: dict[int, tuple[str, str]],
    fetch_run_id: str | None = None,
    max_items: int | None = None,
) -> dict:
    """Parse the stored responses of this run (or of ``fetch_run_id``: a replay reads the
    replayed run's responses) into the day's `articles` rows, at most ``max_items`` per feed.
    Items without a date or a title are kept here (they are what the feed said) and counted;
    dedupe leaves them out of the day."""
    with stage(db, run, "parse") as counts:
        with storage.connect(db) as con:
            fetches = usable_fetches(con, fetch_run_id or run.run_id)
        # Parsing holds no connection: other topic-days use the database meanwhile.
        frames = [
            parse_feed(
                bytes(f.body),
                fetch_id=f.fetch_id,
                perspective=f.perspective,
                feed_index=int(f.feed_index),
                language=locales[int(f.feed_index)][0],
                region=locales[int(f.feed_index)][1],
                max_items=max_items,
                cut=bool(f.body_cut),
            )
            for f in fetches.itertuples()
        ]
        articles = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=list(ARTICLE_COLUMNS))
        )
        reused = fetches[fetches["reused"]]
        counts.update(
            feeds=len(frames),
            reused_feeds=[
                f"{r.perspective} ({'-'.join(locales[int(r.feed_index)])}) feed from run "
                f"{r.from_run} ({r.fetched_at:%Y-%m-%d %H:%M} UTC)"
                for r in reused.itertuples()
            ],
            articles=len(articles),
            with_publisher_domain=int(articles["source_domain"].notna().sum()),
            without_date=int(articles["published_at"].isna().sum()),
            without_title=int((articles["title"].fillna("") == "").sum()),
        )
        save_day(db, run, "parse", {"articles": articles})
    return counts
