"""The execution screen's halt banner at 80x24 when a run halts on many hosts, on real
sshd. Walked on 34 sshd hosts: a probe not read after the first wave named every host of
it with its error, and the banner, `height: auto`, grew over the host grid, the retry
key's line last, pushed out of sight. Now the reason is cut to three lines at a list
separator, saying how many hosts it no longer names and that the timeline has it whole."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w
from textual.widgets import Static

from console.model.loading import load_settings
from console.ui.screens.confirm_run import RunConfirm
from tests.fleet_settings import chown_tree
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd

HOSTS = [f"app-{i:02d}" for i in range(1, 13)]
# The metrics agent is down where the release was rolled back: the probe is not read there,
# each host saying why at length, as real tools do.
PROBE = {
    "name": "errors",
    "kind": "command",
    "command": "test -e version || exit 0; echo 'cannot read http://127.0.0.1:9100/metrics:"
    " connection refused by the local metrics agent' >&2; exit 1",
    "threshold": 0.05,
    "interval": 5.0,
}
FILES = {
    "strategies.toml": {
        "strategies": [
            {
                "name": "pin-release",
                "kind": "custom",
                "waves": {"percent": 50},  # six hosts, then the probes, then six more
                "commands": {"action": "echo 2.4.1 > version", "verify": "test -e version"},
            }
        ]
    },
    "procedure.toml": {
        "name": "Release rollback",
        "phases": [
            {"phase": "immediate", "steps": [{"id": "look", "title": "Look", "kind": "manual"}]},
            {
                "phase": "execution",
                "steps": [{"id": "restore", "title": "Restore the release", "kind": "strategy"}],
            },
            {
                "phase": "post",
                "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
            },
        ],
    },
}


def _config(sshd_server, root: Path) -> Path:
    config = root / "config"
    config.mkdir()
    hosts = []
    for name in HOSTS:
        sandbox = sshd_server.sandbox(name)
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
        hosts.append(
            {"name": name, "address": "127.0.0.1", "port": sshd_server.server.port}
            | {"workdir": str(sandbox)}
        )
    inventory = {
        "ssh": {
            "user": sshd_server.server.user,
            "identity_files": [str(sshd_server.client_key)],
            "known_hosts": str(sshd_server.known_hosts),
            "use_ssh_config": False,
        },
        "systems": [
            {"name": "app", "strategies": ["pin-release"], "hosts": hosts, "probes": [PROBE]}
        ],
    }
    for name, data in {"inventory.toml": inventory, **FILES}.items():
        (config / name).write_text(tomli_w.dumps(data))
    return config


async def test_a_halt_naming_every_host_keeps_the_grid_and_the_retry_in_sight(
    sshd_server, tmp_path: Path
) -> None:
    app = build_app(load_settings(_config(sshd_server, tmp_path)), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        await until(pilot, lambda: app.conductor.state.step("restore").halted, 60)
        await app.push_screen("execution")
        await until(pilot, lambda: app.screen.query_one("#exec-halt", Static).display)
        await pilot.pause(0.2)
        halt = app.screen.query_one("#exec-halt", Static)
        banner, height = str(halt.render()), halt.size.height
        grid_rows = app.screen.query_one("#grid").size.height
        reason = app.conductor.state.halts[-1]["reason"]
    assert all(f"{h}: exit 1: cannot read" in reason for h in HOSTS[:6]), reason
    assert height == 4, banner  # three lines of the reason, then what the retry key does
    said, then = banner.splitlines()
    assert said.startswith(" ✘ HALTED  wave 2 of 2: not healthy after wave 1:"), banner
    named = [h for h in HOSTS[:6] if h in said]
    assert said.endswith(f"… and {6 - len(named)} more host(s): F4 Timeline has it whole")
    assert then == " 6 host(s) not started · t retries them with the failed ones"
    assert grid_rows >= 5, grid_rows  # its header and four hosts
