"""Space then Tab typed in one burst in the picker, at 80x24 in a real terminal: the
system toggled, the strategy list focused, and in view. Seen in tmux on a fleet whose
system has one strategy of five parameters and one host that does not answer: the side
pane scrolled the focused strategy list out of sight, the pane starting at `target:`
(not seen with Pilot, nor in the demo). A race of the terminal's keys and the pane's
layout: on main this test failed 1 run in 6, so the burst is typed twice (about 10 s
under load, most of it the console starting). Real OpenSSH sshd behind the picker's
check."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE
from tests.test_reach import closed_port
from tests.test_ui_terminal import Tmux

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]

# init's version-rollback: its preset's target and current, and three of its own, each
# described over two or three lines of the side pane.
ROLLBACK = {
    "strategies": [
        {
            "name": "version-rollback",
            "kind": "version-rollback",
            "description": "Point `current` at the previous release and restart the service",
            "params": [
                {"name": "restart", "default": "sudo systemctl restart storefront"},
                {"name": "check", "default": "curl -fsS http://127.0.0.1:8080/health"},
                {"name": "check_wait", "default": "30"},
            ],
        }
    ]
}


def test_space_and_tab_in_one_burst_leave_the_strategies_in_view(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": ROLLBACK, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["version-rollback"], probes=[])
    inventory = fleet.config / "inventory.toml"
    port = f"port = {sshd_server.server.port}"
    text = inventory.read_text()
    at = text.rindex(port)  # app-2's: a host that does not answer
    inventory.write_text(f"{text[:at]}port = {closed_port()}{text[at + len(port) :]}")
    tmux = Tmux(tmp_path)
    tmux.start(f"{sys.executable} -m console --config {fleet.config}; echo EXITED $?; sleep 60")
    try:
        tmux.to_picker()
        tmux.wait_for("1 not up")
        for _ in range(2):  # a race (see above): twice
            tmux.run("send-keys", "-t", "rc", "Space", "Tab")
            screen = tmux.wait_for("▸ Strategy")
            assert "▐●▌ version-rollback" in screen, screen  # the list the keys go to, seen
            tmux.keys("BTab", "Space")  # back to the systems, web taken off again
            tmux.wait_for("0/2 hosts")
    finally:
        tmux.kill()
