"""A loopback HTTP server that plays Slack, PagerDuty or any webhook, for tests.

Each request is kept (path, headers, JSON body). What the server answers is scripted per
path: a list of (status, body, headers) taken in turn, the last one repeated.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OK = (200, "ok", {})
ACCEPTED = (202, '{"status":"success","message":"Event processed"}', {})


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class Hooks:
    url: str
    received: list[Received] = field(default_factory=list)
    script: dict[str, list[tuple[int, str, dict]]] = field(default_factory=dict)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    held: threading.Event | None = None  # set: each answer waits for it (at most 60 s)

    def on(self, path: str, *answers: tuple[int, str, dict]) -> str:
        """Answer requests to `path` with `answers` in turn; returns the full URL."""
        self.script[path] = list(answers)
        return self.url + path

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def wait_for(self, path: str, count: int, timeout: float = 20.0) -> list[Received]:
        """Block until `count` requests reached `path` (bounded); from a thread, never on
        the event loop that sends them."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.at(path)) >= count, timeout):
                raise AssertionError(f"{path}: {len(self.at(path))} of {count} requests came")
        return self.at(path)


def _handler(hooks: Hooks) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answers = hooks.script.get(self.path, [OK])
            status, body, headers = answers.pop(0) if len(answers) > 1 else answers[0]
            # Recorded before the answer: a client that has its answer finds it recorded.
            with hooks.arrived:
                hooks.received.append(Received(self.path, dict(self.headers), json.loads(raw)))
                hooks.arrived.notify_all()
            if hooks.held is not None:
                hooks.held.wait(60)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body.encode())))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args) -> None:
            pass

    return Handler


class HookServer:
    """Context manager: a ThreadingHTTPServer on 127.0.0.1, an ephemeral port."""

    def __enter__(self) -> Hooks:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        self.hooks = Hooks(f"http://127.0.0.1:{self.server.server_address[1]}")
        self.server.RequestHandlerClass = _handler(self.hooks)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self.hooks

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A ThreadingHTTPServer on 127.0.0.1 answering with `handler`; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def rate_limiting(
    got: list[dict], limit: Callable[[dict], bool], limited: threading.Event, ok: int = 200
) -> type[BaseHTTPRequestHandler]:
    """A handler keeping each JSON body it gets in `got`: one that `limit` picks is
    answered 429 (Retry-After: 1) and sets `limited`, any other `ok`."""

    class Limiting(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            got.append(body)
            if limit(body):
                limited.set()
                self.send_response(429)
                self.send_header("Retry-After", "1")
            else:
                self.send_response(ok)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    return Limiting


def first_held(got: list[Received], hold: Callable[[], object]) -> type[BaseHTTPRequestHandler]:
    """A handler keeping each request in `got` and answering 200, the first only once
    `hold()` returns: a receiver that takes an update and answers it late, or hangs."""
    lock = threading.Lock()

    class FirstHeld(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                got.append(Received(self.path, dict(self.headers), body))
                first = len(got) == 1
            if first:
                hold()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    return FirstHeld
