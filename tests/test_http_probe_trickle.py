"""An HTTP probe of a server that answers a byte at a time blinds neither the probe's
other hosts nor the console. Walked on a real fleet: one host's health page trickled (a
byte every 1.5 s); within a few rounds the watcher's HTTP GETs had filled asyncio's
default threads (13 threads, stuck), every host of `web/latency` read '– · 3 not read'
(theirs answered in 20 ms), and the journal's fsync (write-ahead, before a command is
sent) and SSH dials' name lookups wait in those same threads. A GET now reads its body
against the probe's whole timeout, in threads of the HTTP probes' own."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from console.engine.ssh import SshPool
from console.engine.watcher import Watcher
from console.model.loading import load_settings
from console.model.settings import Settings
from console.paths import demo_config

TRICKLING = 8  # hosts whose page trickles; one more answers at once


class _Trickle(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        ok = self.path.endswith("/web-ok")
        self.send_response(200)
        self.send_header("Content-Length", "3" if ok else "100000")
        self.end_headers()
        if ok:
            self.wfile.write(b"ok\n")
            return
        for _ in range(400):  # a byte every 0.1 s, for at most 40 s
            try:
                self.wfile.write(b"x")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)


def _settings(port: int) -> Settings:
    data = load_settings(demo_config()).dumped()
    web = next(s for s in data["inventory"]["systems"] if s["name"] == "web")
    names = [*(f"web-{n}" for n in range(1, TRICKLING + 1)), "web-ok"]
    web["hosts"] = [{"name": n, "address": "127.0.0.1"} for n in names]
    web["probes"] = [
        {
            "name": "latency",
            "kind": "http",
            "url": f"http://127.0.0.1:{port}/health/{{{{host}}}}",
            "timeout": 2.0,
            "threshold": 500,
        }
    ]
    data["triggers"]["triggers"] = [t for t in data["triggers"]["triggers"] if t["system"] != "web"]
    return Settings.validated(data)


async def test_a_trickling_page_blinds_no_other_host_nor_the_threads() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = _settings(server.server_address[1])
        watcher = Watcher(settings, SshPool(settings.inventory.ssh), systems=["web"])
        # Enough rounds to fill asyncio's default threads with the trickling GETs.
        rounds = min(32, (os.cpu_count() or 1) + 4) // TRICKLING + 2
        for _ in range(rounds):
            [sample] = await watcher.round(["web/latency"])
        # The thread the journal's fsync waits in is free (bounded: on main it never is).
        assert await asyncio.wait_for(asyncio.to_thread(int, "7"), 10) == 7
    finally:
        server.shutdown()
        server.server_close()
    hosts = {h.host: h for h in sample.hosts}
    assert hosts["web-ok"].error is None and isinstance(hosts["web-ok"].value, float), hosts
    assert hosts["web-1"].error is not None and "body still coming" in hosts["web-1"].error
