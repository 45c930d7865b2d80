"""A status update sent before the strategy step has run says the hosts are pending, not
that they succeeded: walked at 80x24 on an init configuration on real sshd, an update sent
once the delivery was halted and the state read (the restore not run) told the channel
'web by flags-off: 4 hosts succeeded', the command steps' success read as the rollback's.
Once the strategy step runs, the hosts stand as it (and the steps after it) left them."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.cli_fleet import FLAG_PARAMS, FLAG_PROCEDURE, flag_fleet, run_off

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {"name": "off", "kind": "feature-toggle-off", "preset": "file", "params": FLAG_PARAMS}
    ]
}


def procedure(log: Path) -> dict:
    """FLAG_PROCEDURE's, with a halt (a command every host runs) and a status update
    before the restore, and the same status update after it."""
    tell = {"kind": "notify", "message": "{{summary}}", "command": f"echo {{{{message}}}} >> {log}"}
    halt = {"id": "halt", "title": "Halt", "kind": "command", "command": "touch halted"}
    steps = [halt, {"id": "tell", "title": "Tell", **tell}, {"id": "restore", "title": "Restore",
             "kind": "strategy"}, {"id": "tell-again", "title": "Tell again", **tell}]  # fmt: skip
    phases = copy.deepcopy(FLAG_PROCEDURE["phases"])
    phases[1]["steps"] = steps
    return {**FLAG_PROCEDURE, "phases": phases}


def test_hosts_are_pending_until_the_strategy_step_runs(sshd_server, tmp_path: Path) -> None:
    log = tmp_path / "status.log"
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure(log)}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=100\n")
    run = run_off(fleet)
    assert run.returncode == 0, run.stdout + run.stderr
    assert all((s / "halted").exists() for s in fleet.sandboxes.values())  # the halt ran
    before, after = log.read_text().splitlines()[:2]
    assert before.endswith("; app by off: 2 hosts pending"), before
    assert after.endswith("; app by off: 2 hosts succeeded"), after
