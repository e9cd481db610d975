"""A scripted local HTTP server for fetch tests: each path answers from a queue of responses."""

from __future__ import annotations

import http.server
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from parallax.cli.demo import strip_date_operators


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/xml"})
    delay_s: float = 0.0


class ScriptedServer:
    """``server.script("/rss/search", Reply(...), Reply(...))``; the last reply repeats."""

    def __init__(self) -> None:
        self.replies: dict[str, deque[Reply]] = defaultdict(deque)
        self.hits: list[str] = []
        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def script(self, key: str, *replies: Reply) -> None:
        """``key`` is a URL path, or the ``q`` parameter of a search (date operators removed)."""
        self.replies[key] = deque(replies)

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def _next(self, path: str) -> Reply:
        queue = self.replies.get(path)
        if not queue:
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        return queue.popleft() if len(queue) > 1 else queue[0]

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = strip_date_operators(parse_qs(url.query).get("q", [""])[0])
                server.hits.append(self.path)
                reply = server._next(query if query in server.replies else url.path)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

        return Handler
