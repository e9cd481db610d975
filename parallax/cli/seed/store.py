"""Imported pages into ``seed_digests`` and ``seed_articles``, replacing a page's rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from parallax import storage
from parallax.cli.seed.records import SeedDigest


def seed_frames(
    pages: Sequence[tuple[str, SeedDigest]], import_id: str, imported_at: dt.datetime
) -> tuple[Any, Any]:
    """Arrow tables of ``seed_digests`` and ``seed_articles`` rows for (source_file, digest)."""
    import json

    import pyarrow as pa

    def as_json(value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    digests = []
    articles = []
    for source_file, digest in pages:
        row = digest.digest_row()
        for key in ("perspectives", "perspective_counts", "perspective_bullets"):
            row[key] = as_json(row[key])
        row["perspective_paragraphs"] = as_json(row["perspective_paragraphs"])
        row.update(import_id=import_id, source_file=source_file, imported_at=imported_at)
        digests.append(row)
        articles += [{**a, "import_id": import_id} for a in digest.article_rows()]
    strings = pa.list_(pa.string())
    digest_schema = pa.schema(
        [
            ("topic", pa.string()),
            ("digest_date", pa.date32()),
            ("import_id", pa.string()),
            ("source_file", pa.string()),
            ("format", pa.string()),
            ("title", pa.string()),
            ("generated_at", pa.timestamp("us", tz="UTC")),
            ("topic_name", pa.string()),
            ("sources", strings),
            ("article_count", pa.int32()),
            ("article_count_listed", pa.int32()),
            ("perspectives", pa.string()),
            ("perspective_counts", pa.string()),
            ("draft", pa.bool_()),
            ("highlights", strings),
            ("perspective_bullets", pa.string()),
            ("summary_paragraphs", strings),
            ("perspective_paragraphs", pa.string()),
            ("key_differences", strings),
            ("perspective_basis", pa.string()),
            ("imported_at", pa.timestamp("us", tz="UTC")),
        ]
    )
    article_schema = pa.schema(
        [
            ("topic", pa.string()),
            ("digest_date", pa.date32()),
            ("position", pa.int32()),
            ("import_id", pa.string()),
            ("feed_perspective", pa.string()),
            ("perspective_basis", pa.string()),
            ("locale", pa.string()),
            ("title", pa.string()),
            ("link", pa.string()),
            ("source_name", pa.string()),
            ("published_date", pa.date32()),
        ]
    )
    return (
        pa.Table.from_pylist(digests, schema=digest_schema),
        pa.Table.from_pylist(articles, schema=article_schema),
    )


def store_seed(
    con: Any,
    pages: Sequence[tuple[str, SeedDigest]],
    import_id: str,
    imported_at: dt.datetime,
) -> tuple[int, int]:
    """Replace the rows of these pages in seed_digests/seed_articles in one transaction.

    A re-imported page loses all its old article rows first, so a page that now lists fewer
    articles leaves none behind. Returns (digests, articles) written.
    """
    # Both read by the queries through DuckDB's replacement scan.
    _seed_digests, _seed_articles = seed_frames(pages, import_id, imported_at)
    with storage.transaction(con):
        for table in ("seed_articles", "seed_digests"):
            con.execute(storage.query("seed_pages_delete", table=table))
        con.execute(storage.query("seed_digests_insert"))
        con.execute(storage.query("seed_articles_insert"))
    return _seed_digests.num_rows, _seed_articles.num_rows
