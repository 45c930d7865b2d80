"""f on the home screen's list: the highlighted incident's read-only live view (`follow`)
in the same terminal, the console back as it was once it is quit. In a real terminal
(tmux, 80x24): a suspended Textual app hands the terminal over and takes it back."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from console.model.events import Kind
from tests.events_factory import recorder_in
from tests.pgrig import PROCEDURE
from tests.test_ui_terminal import Tmux

pytestmark = pytest.mark.tmux

INCIDENT = "20261204-030000-ab12"
# One host on a loopback port nothing listens on: the home screen dials nothing (no probes).
CONFIG = {
    "inventory.toml": """
[ssh]
user = "ops"

[[systems]]
name = "web"
strategies = ["web-rollback"]

[[systems.hosts]]
name = "web-1"
address = "127.0.0.1"
port = 9
""",
    "strategies.toml": """
[[strategies]]
name = "web-rollback"
kind = "custom"

[strategies.commands]
action = "true"
""",
    "procedure.toml": PROCEDURE,  # three phases, a strategy step
}


def test_f_follows_the_highlighted_incident_and_q_comes_back(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    for name, text in CONFIG.items():
        (config / name).write_text(text)
    journals = tmp_path / "journals"
    (config / "console.toml").write_text(f'journal_dir = "{journals}"\n')
    recorder = recorder_in(journals / INCIDENT)
    recorder.record(Kind.INCIDENT_OPENED, incident_id=INCIDENT, title="checkout errors")
    recorder.close()
    tmux = Tmux(tmp_path)
    try:
        tmux.start(f"{sys.executable} -m console --config {config}; echo EXITED $?; sleep 60")
        tmux.wait_for(INCIDENT)
        tmux.keys("f")
        screen = tmux.wait_for("READ-ONLY")
        assert f"following {INCIDENT}" in screen
        tmux.keys("C-q")
        screen = tmux.wait_for("Incidents on this jump host", gone="READ-ONLY")
        assert INCIDENT in screen and "EXITED" not in screen  # the console, as it was
        tmux.keys("C-q")
        tmux.wait_for("EXITED 0")
    finally:
        tmux.kill()
