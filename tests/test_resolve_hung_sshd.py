"""One hung host (it takes the TCP connection and never finishes SSH) while the console
asks the hosts what `target = previous` stands for. Walked at 80x24 on real sshd with a
configuration from `init`: the question waited the host's login timeout (15 s) with a
toast gone after 4 s that said nothing of how long, and a toast still up when the
confirmation opened was held by it and came back over the checklist once it closed. Now
the toast says how long a host that does not answer can hold it up (its connect and login
timeouts, then the command's, as configured), stays up while the hosts are asked, and is
taken back at the answer; the confirmation names the hung host and why. Real OpenSSH
sshd, a real silent socket, the console as a user drives it."""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path

import pytest
import tomli_w

from console.model.loading import load_settings
from console.ui.screens.confirm_run import RunConfirm
from tests.test_needed_nothing_sshd import HOSTS, STRATEGIES, releases, releases_fleet
from tests.test_resolve_release_sshd import confirmation
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd

WAITING = (
    "Asking 5 host(s) what target=previous is, before the confirmation: nothing is changed"
    " there. A host that does not answer is named once its timeouts have passed: 3 s to"
    " connect and log in, 30 s for the command."
)


def resolving(app) -> list[str]:
    return [n.message for n in app._notifications if n.title == "Resolving"]


async def test_a_hung_host_is_waited_for_as_long_as_said_then_named(
    sshd_server, tmp_path: Path
) -> None:
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, HOSTS)
    with socket.socket() as silent:  # listening, never accepting: connected, never a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        path = fleet.config / "inventory.toml"
        inventory = tomllib.loads(path.read_text())
        inventory["ssh"] |= {"connect_timeout": 1.0, "login_timeout": 2.0}
        hung = {"name": "app-hung", "address": "127.0.0.1", "port": port, "workdir": "/tmp"}
        inventory["systems"][0]["hosts"].append(hung)
        path.write_text(tomli_w.dumps(inventory))
        app = build_app(load_settings(fleet.config), tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            said = await confirmation(app, pilot, before=())
            assert isinstance(app.screen, RunConfirm)
            assert "not resolved, their precheck decides: app-hung: unreachable" in said, said
            assert "no SSH banner within 2 s (the login timeout)" in said, said
            assert resolving(app) == []  # taken back at the answer, not held by the dialog
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, RunConfirm))
            await pilot.pause(0.2)
            assert resolving(app) == []  # it came back over the checklist, 4 s more
            app.start_run("restore")  # asked again: the toast says how long it can take
            await until(pilot, lambda: bool(resolving(app)), 10)
            assert resolving(app) == [WAITING]
            await until(pilot, lambda: isinstance(app.screen, RunConfirm), 30)
            assert resolving(app) == []
    assert set(releases(fleet).values()) == {"2.10.0"}  # nothing sent
