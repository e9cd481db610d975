"""Hostile and odd feed documents, invented for the fault suite: each is what a broken, careless
or malicious server could answer to a Google News search. ``FEEDS`` maps a readable case id to
(body, content type)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

DAY = dt.date(2026, 2, 7)  # every dated item below is published on this day
XML = "application/xml; charset=utf-8"


# US outlets of the registry, one per item in turn: a side takes at most two of one outlet.
US_OUTLETS = (
    ("The New York Times", "nytimes.com"), ("The Washington Post", "washingtonpost.com"),
    ("CNN", "cnn.com"), ("NPR", "npr.org"), ("The Wall Street Journal", "wsj.com"),
    ("Associated Press", "apnews.com"),
)  # fmt: skip


def item(
    n: int,
    title: str | None = None,
    *,
    outlet: str | None = None,
    domain: str | None = None,
    pub_date: str | None = "Sat, 07 Feb 2026 0{h}:{m:02d}:00 GMT",
    fields: Iterable[str] = ("title", "link", "guid", "pubDate", "description", "source"),
) -> str:
    """One Google-News-shaped item; ``fields`` chooses which elements it has."""
    outlet = outlet or US_OUTLETS[n % len(US_OUTLETS)][0]
    domain = domain or US_OUTLETS[n % len(US_OUTLETS)][1]
    title = (
        title
        if title is not None
        else f"US-China talks: Invented harbour story number {n} for testing"
    )
    parts = {
        "title": f"<title>{title} - {outlet}</title>",
        "link": f"<link>https://news.example.org/rss/articles/FAULT-{n}?oc=5</link>",
        "guid": f'<guid isPermaLink="false">FAULT-{n}</guid>',
        "pubDate": (
            f"<pubDate>{pub_date.format(h=n % 10, m=n % 60)}</pubDate>" if pub_date else ""
        ),
        "description": f"<description>{title} &amp;nbsp; {outlet}</description>",
        "source": f'<source url="https://www.{domain}">{outlet}</source>',
    }
    return "<item>" + "".join(parts[f] for f in fields) + "</item>"


def rss(items: Iterable[str], head: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    return (
        f'{head}\n<rss version="2.0"><channel><title>Invented search</title>'
        f"<link>https://news.example.org/</link><description>fault suite</description>"
        + "".join(items)
        + "</channel></rss>\n"
    ).encode()


def normal(n: int = 6, start: int = 0) -> bytes:
    """An ordinary feed of ``n`` items (a US outlet's)."""
    return rss(item(start + i) for i in range(n))


def _entity_expansion() -> bytes:
    lol = '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    lol += "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(3, 10))
    head = f'<?xml version="1.0"?>\n<!DOCTYPE rss [{lol}]>'
    return rss([item(1, "Laughing &lol9; all the way"), item(2)], head=head)


def _external_entity() -> bytes:
    head = '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    return rss([item(1, "Leaked &secret; here"), item(2)], head=head)


def _atom_missing_fields() -> bytes:
    return (
        b'<?xml version="1.0" encoding="utf-8"?>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Invented atom</title>'
        b"<entry><title>Atom entry with a title only about the harbour</title></entry>"
        b"<entry><id>urn:fault:2</id><updated>2026-02-07T05:00:00Z</updated></entry>"
        b'<entry><title>Atom entry dated and linked about a harbour</title><link href="https://a.example/2"/>'
        b"<updated>2026-02-07T06:00:00Z</updated></entry>"
        b"<entry/></feed>"
    )


def _odd_dates() -> bytes:
    return rss(
        [
            item(1, pub_date="yesterday"),
            item(2, pub_date="Mon, 99 Foo 2026 25:61:00 GMT"),
            item(3, pub_date="Fri, 31 Dec 9999 23:59:59 GMT"),
            item(4, pub_date="Mon, 01 Jan 0001 00:00:00 GMT"),
            item(5, pub_date="Sat, 07 Feb 2026 05:00:00 +1400"),
            item(6),
        ]
    )


def _missing_fields() -> bytes:
    return rss(
        [
            item(1, fields=("title",)),
            item(2, fields=("link", "pubDate")),
            item(3, fields=("guid", "pubDate", "source")),
            item(4, fields=("title", "pubDate")),
            item(5, title="", fields=("title", "link", "pubDate", "source")),
            "<item/>",
            item(6),
        ]
    )


def _hostile_text() -> bytes:
    return rss(
        [
            item(
                1,
                "US-China talks: &lt;script&gt;alert(1)&lt;/script&gt; {{&lt; shortcode &gt;}} "
                "**bold** [x](javascript:y)",
            ),
            item(
                2,
                "US-China talks: Right\u202eto\u202cleft over\u2066ride and zero\u200bwidth"
                "\ufeff joins",
            ),
            item(3, "US-China talks: a very long headline " + "that goes on and on " * 500),
            item(4, "US-China talks: Tabs\tand\u0085next line\u2028separators in a harbour title"),
            item(5, outlet="Outlet " + "with a very long name " * 200, domain="long.example"),
            item(6),
        ]
    )


def _latin1() -> bytes:
    body = rss([item(1, "Caf\u00e9 owners in S\u00e3o Paulo discuss the harbour"), item(2)])
    return body.decode().replace("UTF-8", "ISO-8859-1").encode("latin-1")


def _utf16() -> bytes:
    body = rss([item(1, "Harbour \u6e2f\u53e3 news in two scripts"), item(2)])
    return body.decode().replace("UTF-8", "UTF-16").encode("utf-16")


def _wrong_declared_encoding() -> bytes:
    body = rss([item(1, "Na\u00efve declared encoding story about a harbour"), item(2)])
    return body.replace(b"UTF-8", b"ascii")


def _control_characters() -> bytes:
    return rss([item(1, "Bell\x07and escape\x1b[31m in a harbour title"), item(2)])


FEEDS: dict[str, Callable[[], tuple[bytes, str]]] = {
    "no_pubdate": lambda: (rss(item(i, pub_date=None) for i in range(6)), XML),
    "odd_dates": lambda: (_odd_dates(), XML),
    "entity_expansion": lambda: (_entity_expansion(), XML),
    "external_entity": lambda: (_external_entity(), XML),
    "missing_fields": lambda: (_missing_fields(), XML),
    "atom_missing_fields": lambda: (_atom_missing_fields(), "application/atom+xml"),
    "hostile_text": lambda: (_hostile_text(), XML),
    "control_characters": lambda: (_control_characters(), XML),
    "latin1": lambda: (_latin1(), "application/xml; charset=ISO-8859-1"),
    "utf16": lambda: (_utf16(), "application/xml"),
    "wrong_declared_encoding": lambda: (_wrong_declared_encoding(), XML),
    "truncated": lambda: (normal(40)[:1500], XML),
    "html_page": lambda: (b"<!doctype html><html><body>Sorry</body></html>", "text/html"),
    "empty_body": lambda: (b"", XML),
    "empty_channel": lambda: (rss([]), XML),
    "binary_garbage": lambda: (bytes(range(256)) * 8, "application/octet-stream"),
}
