"""The offline demo: where it writes, and a local stand-in for Google News that serves the
bundled sample feeds (demo and tests).

The demo's headlines are invented, so everything it writes stays in ``demo/`` (database, pages,
charts, its built site), a folder the live site never reads; site/config/demo/ is the Hugo
environment that builds it (`make demo-site`), every page marked as sample data.

The server answers ``/rss/search?q=...`` on 127.0.0.1 with
``samples/feeds/<topic>/<side>-<locale>.xml`` for the configured feed whose query matches once
date operators are stripped, so the demo runs the real fetch path (HTTP, raw storage, retries)
without a network.
"""

from __future__ import annotations

import datetime as dt
import http.server
import re
import threading
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from parallax.settings import PROJECT_ROOT
from parallax.topics import Feed, load_topics

SAMPLE_DATE = dt.date(2026, 1, 15)  # the day the sample headlines are written for
SAMPLE_FEEDS = PROJECT_ROOT / "samples" / "feeds"
DEMO_DIR = PROJECT_ROOT / "demo"  # site/config/demo/hugo.toml mounts its content and charts


_DATE_OPERATOR = re.compile(r"\b(?:after|before):\d{4}-\d{2}-\d{2}|\bwhen:\d+[dh]\b")
_EMPTY_FEED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
    b"<title>Google News</title><description>no results</description></channel></rss>\n"
)


def sample_file(feed: Feed) -> str:
    """The sample feed file of a configured feed: one per side and locale."""
    return f"{feed.perspective}-{feed.locale}.xml"


def strip_date_operators(query: str) -> str:
    return " ".join(_DATE_OPERATOR.sub(" ", query).split())


class SampleFeedServer:
    """``with SampleFeedServer(topics_file) as server: server.base_url``"""

    def __init__(self, topics_file: Path, feeds_dir: Path = SAMPLE_FEEDS) -> None:
        config = load_topics(topics_file)
        self.routes: dict[str, Path] = {}
        for topic in config.topics:
            for feed in topic.feeds:
                path = feeds_dir / topic.id / sample_file(feed)
                if path.exists():
                    self.routes[strip_date_operators(feed.query)] = path
        self.topics = sorted({p.parent.name for p in self.routes.values()})
        self.requests: list[str] = []
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                server.requests.append(self.path)
                if url.path != "/rss/search":
                    self.send_error(404)
                    return
                query = parse_qs(url.query).get("q", [""])[0]
                path = server.routes.get(strip_date_operators(query))
                body = path.read_bytes() if path else _EMPTY_FEED
                self.send_response(200)
                self.send_header("Content-Type", "application/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def __enter__(self) -> SampleFeedServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
