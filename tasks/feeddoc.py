"""One feedparser parse per feed document.

Fetch checks that an answer is a usable feed and parse turns it into rows; both need the parsed
document, and feedparser costs ≈ 50 ms per 100-item feed (STACK-NOTES), which a backfill of
1,800 documents would pay twice. Parsed documents are shared through a small LRU keyed by the
body; callers must treat the result as read-only.
"""

from __future__ import annotations

import functools

import feedparser


@functools.lru_cache(maxsize=64)
def parse_document(body: bytes) -> feedparser.FeedParserDict:
    return feedparser.parse(body)
