"""A headless run stopped by Ctrl+C says ABORTED on its last line, as its incident closed
and as the follow view and `exec` say it: walked with an http toggle-off whose flag
service never answered (a real loopback socket), on real sshd hosts, Ctrl+C mid-precheck;
the follower read '■ Closed: aborted: interrupted by SIGINT' and '■ aborted' on the step,
the run's last line 'ID: FAILED: aborted: interrupted by SIGINT', its step's line, the
timeline and the document 'finished step “Restore”: failed (2 aborted)'."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_lost_mid_change import release_fleet, release_run
from tests.test_notify_interrupted import interrupted_after

pytestmark = pytest.mark.sshd

STRATEGY = {
    "name": "off",
    "kind": "feature-toggle-off",
    "preset": "http",
    "params": [{"name": "flags", "default": "new_checkout"}],
}


def test_a_run_interrupted_says_aborted(sshd_server, tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        env = {
            "FLAG_SERVICE_URL": f"http://127.0.0.1:{silent.getsockname()[1]}/flags",
            "FLAG_SERVICE_TOKEN": "t0ken-0123456789",
        }
        files = {"procedure.toml": FLAG_PROCEDURE, "strategies.toml": {"strategies": [STRATEGY]}}
        fleet = write_fleet(sshd_server, tmp_path, files, strategies=["off"], probes=[], env=env)
        argv = [
            sys.executable, "-m", "console", "run", "--config", str(fleet.config),
            "--systems", "app", "--strategy", "off", "--trigger", "user-impact",
            "--reason", "checkout broken", "--yes",
        ]  # fmt: skip
        state = {"ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
        code, said = interrupted_after(argv, {**os.environ, **state, **env}, "sending precheck")
    assert code == 1, said
    last = said.splitlines()[-1]
    assert ": ABORTED: interrupted by SIGINT; journal " in last, said
    assert "restore    finished step “Restore”: aborted (2 aborted)" in said, said
    (journal,) = (fleet.state / "incidents").glob("*/journal.jsonl")
    document = fleet.cli("export", str(journal), "--format", "markdown").stdout
    assert "**Restore** — aborted: 2 aborted" in document, document
    assert "finished step “Restore”: aborted — 2 hosts sent → 2 aborted" in document, document
    assert "failed (2 aborted)" not in document and "failed: 2 aborted" not in document


def test_a_run_interrupted_mid_action_says_the_action_was_stopped(sshd_server, tmp_path):
    """Ctrl+C while the hosts' restart ran, after their link was switched: the run's last
    lines said 'may have changed app-1, app-2 (its action failed there)', as of a failed
    action; it was stopped midway, and says so."""
    fleet = release_fleet(sshd_server, tmp_path)  # the restart waits for `go`
    journal = tmp_path / "incident"
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
    try:
        code, said = interrupted_after(release_run(fleet, journal), env, "rolled back: 1.11.0")
    finally:
        for sandbox in fleet.sandboxes.values():
            (sandbox / "go").touch()
    assert code == 1, said
    stopped = "may have changed app-1, app-2 (their actions were stopped midway there)"
    assert f"“Restore the release” {stopped}: to put them back, " in said, said
    assert "failed there" not in said, said
    # the document said of each "What was done: nothing more: the incident was closed",
    # where the run's lines said they may be changed (walked on a restore stopped once its
    # data directory was replaced)
    document = fleet.cli("export", str(journal), "--format", "markdown").stdout
    failures = document.split("## Failures", 1)[1].split("\n## ", 1)[0]
    done = "; it may have changed the host (its action was stopped midway there), and no undo ran"
    said_done = [ln for ln in failures.splitlines() if ln.startswith("- **What was done:** ")]
    assert said_done and all(ln.endswith(done) for ln in said_done), failures
