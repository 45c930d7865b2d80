"""V (`verify`) after a console died during a stage of a gradual re-enable, on a real
sshd: the hosts that passed the stage are held there, never read as succeeded.

Walked at 80x24: a re-enable of new_checkout (5, 25, 100 %) retried from its first stage,
the console killed while web-2's restart ran, resumed, v: web-2 failed (its restart owed),
and web-1 and web-3, at 5 %, read '✔ succeeded'; the document said 'The checkout-reenable
strategy ran on 3 hosts (1 failed, 2 succeeded) ... succeeded when retried', of a rollout
at its first stage of three. A stage that fails on some hosts in a run holds the others
(`◐ held`); V now holds them the same way, and where every host passed the stage, holds
them all, as a console killed between stages is held once resumed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.state import HostStatus, fold
from console.model.status import StepStatus
from tests.cli_fleet import flag_fleet, reenable_strategies
from tests.test_lost_mid_change import PROCEDURE, WAIT_FOR_GO
from tests.test_remote_lifetime import attempts_ended

pytestmark = pytest.mark.sshd

STRATEGIES = reenable_strategies(
    {"name": "steps", "default": "5,25"}, {"name": "restart", "default": WAIT_FOR_GO}
)
MARK = ".rollback/flags-before-reenable-{}.restart-owed"


def _killed_in_stage_1(fleet, journal: Path) -> None:
    """`run` killed (SIGKILL, as a console is) once app-1 passed stage 1 (5 %) and while
    app-2's restart waits: app-2 is left unknown, the step running."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
    argv = [
        sys.executable, "-m", "console", "run", "--config", str(fleet.config),
        "--systems", "app", "--strategy", "reenable", "--trigger", "stakeholder-decision",
        "--reason", "bring new checkout back", "--yes", "--journal", str(journal),
    ]  # fmt: skip
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    shown = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            shown.append(line)
            if "app-2      sending set 5%" in line:
                (fleet.sandboxes["app-1"] / "go").touch()
            if "app-1      check 5% succeeded" in line:
                break
        flags = fleet.sandboxes["app-2"] / "flags"
        for _ in range(600):  # bounded: app-2's flags read 5, its restart waits for go
            if flags.read_text().startswith("new_checkout=5\n"):
                break
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert "app-1      check 5% succeeded" in "".join(shown), "".join(shown)


@pytest.mark.parametrize("restarted", [False, True], ids=["restart-owed", "restarted-by-hand"])
def test_v_holds_the_hosts_that_passed_the_stage(sshd_server, tmp_path, restarted):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["reenable"], "new_checkout=0\n")
    journal = fleet.state / "incident"
    _killed_in_stage_1(fleet, journal)
    attempts_ended(sshd_server.account.name, journal / "journal.jsonl")
    state = fold(read_journal(journal / "journal.jsonl").events)
    assert state.step("restore").hosts["app-2"].status is HostStatus.RUNNING  # cut short
    if restarted:  # the service restarted by hand: nothing owed, app-2's stage passes
        (fleet.sandboxes["app-2"] / MARK.format(state.incident_id)).unlink()

    verified = fleet.cli("verify", str(journal))
    said = verified.stdout + verified.stderr
    state = fold(read_journal(journal / "journal.jsonl").events)
    restore = state.step("restore")
    app_1, app_2 = restore.hosts["app-1"], restore.hosts["app-2"]
    assert app_1.status is HostStatus.HELD, (app_1, said)
    assert restore.held is not None and restore.held.percent == 5, said
    if restarted:
        assert verified.returncode == 0, said
        assert app_2.status is HostStatus.HELD, (app_2, said)
        assert restore.status is StepStatus.HELD, said
        assert "app-2: verified: succeeded" in verified.stdout, said
    else:
        assert verified.returncode == 1, said
        assert app_2.status is HostStatus.FAILED, (app_2, said)
        assert restore.status is StepStatus.FAILED, said
        assert "stage 1 failed on app-2" in restore.held.reason, restore.held
    stage = state.rollout[-1]  # the stage the execution screen's line shows, as it ended
    assert (stage["index"], stage["ok"], stage["failed"]) == (
        1,
        restarted,
        [] if restarted else ["app-2"],
    )
    for sandbox in fleet.sandboxes.values():
        assert (sandbox / "flags").read_text() == "new_checkout=5\n"

    document = fleet.cli("export", str(journal), "--format", "markdown", "-o", "-")
    assert "2 succeeded" not in document.stdout and "held at 5 %" in document.stdout, (
        document.stdout + document.stderr
    )
