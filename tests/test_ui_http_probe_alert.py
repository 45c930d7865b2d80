"""An http probe whose endpoint turns to HTTP 500, on the home screen at 80x24, with a
configuration written as the README says (a real loopback HTTP server). Walked: the alert's
evidence read 'shop/health = 1 bad (jump-host 1.3)', the status that made it bad left out
(1.3: the latency, in no unit; 1: how many hosts read bad, said as a value); its sparkline
drew the bad rounds, whose value counts the bad hosts (1), under the healthy round's 11 ms:
a fall, as if it got better; and a headless run said a healthy round `= 1.3 (healthy)`,
where the console said `1.3 ms`."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import tomli_w

from console.journal.describe import describe
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.probe_text import BAD_MARK, SPARKS
from console.ui.widgets.probe_table import ProbeTable
from tests.events_factory import recorder_in
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)


class _Flipping(http.server.BaseHTTPRequestHandler):
    bad = threading.Event()

    def do_GET(self) -> None:
        self.send_response(500 if self.bad.is_set() else 200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"no" if self.bad.is_set() else b"ok")

    def log_message(self, *args: object) -> None:
        pass


def _config(root: Path, url: str) -> Path:
    config = root / "config"
    config.mkdir()
    inventory = {
        "ssh": {"use_ssh_config": False},
        "systems": [
            {
                "name": "shop",
                "strategies": ["version-rollback"],
                "hosts": [{"name": "shop-1", "address": "127.0.0.1"}],
                "probes": [{"name": "health", "kind": "http", "url": url, "interval": 0.2}],
            }
        ],
    }
    strategies = {"strategies": [{"name": "version-rollback", "kind": "version-rollback"}]}
    trigger = {"name": "shop-errors", "kind": "error-threshold", "system": "shop"}
    triggers = {"triggers": [trigger | {"probe": "health", "consecutive": 2}]}
    procedure = {
        "name": "Shop rollback",
        "phases": [
            {"phase": p, "steps": [{"id": p, "title": p.title(), "kind": "manual"}]}
            for p in ("immediate", "execution", "post")
        ],
    }
    files = {"inventory": inventory, "strategies": strategies, "triggers": triggers}
    for name, data in {**files, "procedure": procedure}.items():
        (config / f"{name}.toml").write_text(tomli_w.dumps(data))
    return config


async def test_a_bad_http_status_is_said_and_drawn_as_bad(tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flipping)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Flipping.bad.clear()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/health"
        app = build_app(
            load_settings(_config(tmp_path, url)), tmp_path / "incidents", sample_probes=True
        )
        async with app.run_test(size=(80, 24)) as pilot:
            reading = app.live.watcher.readings["shop/health"]
            await until(pilot, lambda: len(reading.history) >= 2)
            healthy = reading.history[-1].as_data()  # journalled as the watcher does
            _Flipping.bad.set()
            await until(pilot, lambda: reading.state == "firing")
            await pilot.pause(0.3)
            alert = " ".join(str(app.screen.query_one("#alert").render()).split())
            assert "shop/health = 1/1 bad (jump-host HTTP 500 in " in alert, alert
            table = app.screen.query_one("#probes", ProbeTable)
            recent = str(table.get_cell("shop/health", "Recent")).strip()
            turned = recent.find(BAD_MARK)  # healthy rounds drawn, then the bad ones marked
            assert turned > 0 and set(recent[:turned]) <= set(SPARKS), recent
            assert set(recent[turned:]) == {BAD_MARK}, recent
    finally:
        server.shutdown()
        server.server_close()
    recorder = recorder_in(tmp_path / "journal")
    event = recorder.record(Kind.PROBE_SAMPLE, system="shop", journalled="change", **healthy)
    value = healthy["value"]
    assert describe(event) == f"probe shop/health = {value:g} ms (healthy)", describe(event)
