"""A refused parameter's field stays in view at 80x24, in a real terminal. Walked in tmux
on a real fleet (init's orders-restore, PostgreSQL presets): `tables` reached with Tab, typed
'orders customers' and Enter. The error's two lines under the side pane took a row from it,
and the field, scrolled to the pane's last row by Tab, went under the pane's "▼ more
below" line: its label showed, its value and the cursor did not, until Enter again. The
error said the parameter's description again ('is not what it takes: comma-separated
tables whose row counts ...'), which the pane shows above the field; it now says what the
field takes in a few words, with an example. Real OpenSSH sshd behind the picker's check."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE
from tests.test_ui_terminal import Tmux

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]

RESTORE = {
    "strategies": [
        {
            "name": "orders-restore",
            "kind": "backup-restore",
            "preset": "postgres-basebackup",
            "description": "Restore the orders cluster from last night's base backup",
            "params": [
                {"name": "pgdata", "default": "/var/lib/postgresql/15/main"},
                {"name": "backup", "default": "/var/backups/postgresql/nightly"},
                {"name": "database", "default": "orders"},
                {"name": "tables", "default": "orders,customers"},
            ],
        }
    ]
}


def test_a_refused_table_list_stays_in_view_at_80x24(sshd_server, tmp_path: Path) -> None:
    files = {"strategies.toml": RESTORE, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["orders-restore"], probes=[])
    tmux = Tmux(tmp_path)
    tmux.start(f"{sys.executable} -m console --config {fleet.config}; echo EXITED $?; sleep 60")
    try:
        tmux.wait_for("declare a new incident", tries=300)
        tmux.keys("n")
        tmux.wait_for("Declare the rollback trigger")
        tmux.keys("Down", "Enter")
        tmux.type("orders damaged")
        tmux.keys("Enter")
        tmux.wait_for("Pick the affected systems")
        tmux.keys("Space")
        tmux.wait_for("orders-restore")
        tmux.keys("Enter")  # on with the defaults, to the checklist
        tmux.wait_for("Step 1 of")
        tmux.keys("Down", "Down")  # to the strategy step
        tmux.wait_for("b Other strategy")
        tmux.keys("b")  # the strategy chosen again, its parameters with it
        screen = tmux.wait_for("▸ Systems")
        # Tab on to the field, as typed: the strategies, then pgdata ... database, tables
        tmux.keys(*["Tab"] * 11)
        screen = tmux.wait_for("▸ Parameter tables")
        assert "▼ more below" in screen, screen  # parameters run past the pane's foot
        # the value typed over and Enter, in one read from the terminal
        tmux.run("send-keys", "-t", "rc", "C-u", "orders customers", "Enter")
        screen = tmux.wait_for("no spaces (orders,public.customers)")
        lines = screen.splitlines()
        assert lines[-3:-1] == [
            " ✘ parameter 'tables': 'orders customers' is not table names joined by commas,",
            " no spaces (orders,public.customers)",
        ], screen
        pane = [line.split("│", 1)[-1].strip() for line in lines[2:-3]]
        assert "orders customers" in pane, screen  # the field, its value on screen
        assert pane.index("orders customers") < pane.index("▼ more below: Tab goes on to it")
    finally:
        tmux.run("kill-server")
