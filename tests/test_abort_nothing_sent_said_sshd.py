"""Ctrl+C while one host's action ran and another was still being reached (its connect
hanging): the run's last lines and the document named both as hosts that "may have
changed", where nothing had been sent to the second (its record said "nothing sent (its
host was still being reached)"). Only the host the action reached may be changed."""

from __future__ import annotations

import os
import socket
import subprocess
import tomllib

import pytest
import tomli_w

from tests.cli_fleet import write_fleet
from tests.sshd import silent_port
from tests.test_lost_mid_change import PROCEDURE, WAIT_FOR_GO, release_run
from tests.test_notify_interrupted import interrupted_after

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "release",
            "kind": "custom",
            "commands": {
                "action": f"echo switching; touch switched; {WAIT_FOR_GO}",
                "undo": "rm -f switched",
            },
        }
    ]
}


def test_a_host_still_being_reached_at_the_abort_is_not_said_changed(sshd_server, tmp_path):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=[])
    inventory_file = fleet.config / "inventory.toml"
    inventory = tomllib.loads(inventory_file.read_text())
    inventory["ssh"] |= {"connect_timeout": 600.0, "login_timeout": 600.0}
    journal = tmp_path / "incident"
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
    with silent_port() as silent:
        inventory["systems"][0]["hosts"][1]["port"] = silent  # app-2: its connect hangs
        inventory_file.write_text(tomli_w.dumps(inventory))
        try:
            # the host's own line, not the "sending action" line naming its command
            code, said = interrupted_after(release_run(fleet, journal), env, "| switching")
        finally:
            (fleet.sandboxes["app-1"] / "go").touch()
    assert code == 1, said
    assert not (fleet.sandboxes["app-2"] / "switched").exists()
    stopped = "may have changed app-1 (its action was stopped midway there)"
    assert f"“Restore the release” {stopped}: to put it back, " in said, said
    document = fleet.cli("export", str(journal), "--format", "markdown").stdout
    failures = document.split("## Failures", 1)[1].split("\n## ", 1)[0]
    changed = "it may have changed the host (its action was stopped midway there)"
    blocks = {b.split(" ", 1)[0]: b for b in failures.split("\n### ")[1:]}
    assert changed in blocks["app-1"], failures
    assert changed not in blocks["app-2"], failures
    assert "nothing sent (its host was still being reached)" in blocks["app-2"], failures


def test_a_host_down_is_not_said_changed(sshd_server, tmp_path):
    """A host refusing connections (down) failed the step: the run's last lines said it
    'may have changed' (its action failed there), and offered to undo it."""
    quick = {"strategies": [{**STRATEGIES["strategies"][0]}]}
    quick["strategies"][0]["commands"] = {"action": "touch switched", "undo": "rm -f switched"}
    files = {"strategies.toml": quick, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=[])
    inventory_file = fleet.config / "inventory.toml"
    inventory = tomllib.loads(inventory_file.read_text())
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        inventory["systems"][0]["hosts"][1]["port"] = closed.getsockname()[1]
        inventory_file.write_text(tomli_w.dumps(inventory))
        journal = tmp_path / "incident"
        ran = subprocess.run(
            release_run(fleet, journal),
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)},
        )
    said = ran.stdout + ran.stderr
    assert ran.returncode == 1, said
    assert (fleet.sandboxes["app-1"] / "switched").exists()
    assert (
        "app-2"
        not in said.split("hosts whose last step did not succeed:")[1]
        .split("to put")[0]
        .split("“Restore the release”")[-1]
    ), said
    assert "changed app-1 (failed" in said or "changed app-1 (succeeded" in said, said
    document = fleet.cli("export", str(journal), "--format", "markdown").stdout
    failures = document.split("## Failures", 1)[1].split("\n## ", 1)[0]
    assert "never reached" in failures and "may have changed" not in failures, failures
    # its undo takes only the host the step reached, and says why app-2 is not one
    planned = fleet.cli("undo", str(journal), "restore", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert "app-1" in planned.stdout and "app-2" not in planned.stdout, planned.stdout
    refused = fleet.cli("undo", str(journal), "restore", "--hosts", "app-2", "--dry-run")
    assert refused.returncode == 2, refused
    assert (
        "changed nothing on 'app-2' (nothing was sent there: connection refused" in refused.stderr
    ), refused
