"""The console where open files are short, as headless `run` is. Walked at 80x24 under
`ulimit -n 256` on 300 real sshd hosts: the picker's SSH check kept 224 connections open
(the room beside the console's own files) and read the other 76 '✘ not up', 'not dialled:
no open files left', up as they were; a strategy on the jump host then read '0 ok, 300
failed', each 'not started: this process's open files ran out', where headless `run` had
300 ok. The same at a smaller scale: 40 hosts under `ulimit -n 64` (32 files for
connections). Real sshd, the console in tmux at 80x24."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_open_files_sshd import HOSTS, LOGIN
from tests.test_ui_terminal import Tmux

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]


def test_the_pickers_check_leaves_room_for_commands_on_the_jump_host(sshd_server, tmp_path):
    strategy = {
        "name": "flag-api",
        "kind": "custom",
        "runs_on": "jump-host",
        "commands": {"action": "echo off {{host}}", "verify": "true"},
    }
    files = {"strategies.toml": {"strategies": [strategy]}, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["flag-api"], probes=[], hosts=HOSTS[:40]
    )
    login = " ".join(f"{k}={v}" for k, v in LOGIN.items())
    tmux = Tmux(tmp_path)
    try:
        tmux.start(
            f"ulimit -n 64; {login} exec {sys.executable} -m console --config {fleet.config}"
        )
        tmux.to_picker()
        # main: '✔ 32 up · ✘ 8 not up', 'h032: not dialled: no open files left'
        picked = tmux.wait_for("SSH check (all 40): ✔ 40 up\n", gone="checking")
        assert "not up" not in picked and "not dialled" not in picked, picked
        tmux.keys("Space")
        tmux.wait_for("40/40 hosts")
        tmux.keys("Enter")
        tmux.wait_for("Step 1 of")
        tmux.keys("Enter")  # the bridge, a manual step
        tmux.wait_for("Step 2 of")
        tmux.keys("Enter")
        tmux.wait_for("on 40 host(s)?")
        tmux.keys("y")
        # main: '0 ok, 40 failed', each 'not started: this process's open files ran out'
        ran = tmux.wait_until_one_of("40 ok, 0 failed", "failed:")
        assert "Waves ✔ 1/1 40 ok, 0 failed" in ran, ran
    finally:
        tmux.kill()
    [journal] = Path(tmp_path / "state").glob("incidents/*/journal.jsonl")
    assert "not started" not in journal.read_text()
