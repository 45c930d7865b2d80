"""A flag service on loopback for the `http` flag presets: flags as JSON at /flags/NAME
(GET, PATCH merges, PUT replaces, a bearer token), and an application's health at
/health?host=NAME that fails where the test says."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN = "s3cr3t-flag-token-4242"


class FlagService(ThreadingHTTPServer):
    """The flags, every request's Authorization, and what the health checks saw."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.flags = {
            "new_checkout": {"enabled": True, "rollout": 100},
            "dark_mode": {"enabled": True, "rollout": 5},
        }
        self.authorizations: list[str] = []
        self.stale_reads = 0  # GETs after a PATCH that still answer the old value (a cache)
        self.stale: dict[str, dict] = {}
        self.changes: list[tuple[str, str, dict]] = []  # (method, flag, its JSON after)
        # /health: (host, new_checkout's rollout) per check; sick at those pairs
        self.health_checks: list[tuple[str, int]] = []
        self.sick: set[tuple[str, int]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/flags"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/health"


class _Handler(BaseHTTPRequestHandler):
    server: FlagService

    def log_message(self, *args) -> None:  # quiet
        pass

    def _flag(self) -> str | None:
        self.server.authorizations.append(self.headers.get("Authorization", ""))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, {"error": "unauthorized"})
            return None
        name = self.path.removeprefix("/flags/")
        if name not in self.server.flags:
            self._send(404, {"error": "no such flag"})
            return None
        return name

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def _health(self) -> None:
        host = parse_qs(urlsplit(self.path).query).get("host", [""])[0]
        seen = (host, self.server.flags["new_checkout"].get("rollout", 0))
        self.server.health_checks.append(seen)
        sick = seen in self.server.sick
        self._send(500 if sick else 200, {"healthy": not sick})

    def do_GET(self) -> None:
        if self.path.startswith("/health"):
            self._health()
        elif name := self._flag():
            self._send(200, self.server.stale.pop(name, None) or self.server.flags[name])

    def do_PATCH(self) -> None:
        if name := self._flag():
            if self.server.stale_reads:
                self.server.stale_reads -= 1
                self.server.stale[name] = self.server.flags[name]
            self.server.flags[name] = {**self.server.flags[name], **self._body()}
            self.server.changes.append(("PATCH", name, self.server.flags[name]))
            self._send(200, self.server.flags[name])

    def do_PUT(self) -> None:
        if name := self._flag():
            self.server.flags[name] = self._body()
            self.server.changes.append(("PUT", name, self.server.flags[name]))
            self._send(200, self.server.flags[name])


@contextmanager
def serving(monkeypatch=None) -> Iterator[FlagService]:
    """A FlagService answering on its own thread until the block ends; with `monkeypatch`,
    its URL and token in the environment, where the http presets read them."""
    server = FlagService()
    if monkeypatch is not None:
        monkeypatch.setenv("FLAG_SERVICE_URL", server.url)
        monkeypatch.setenv("FLAG_SERVICE_TOKEN", TOKEN)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
