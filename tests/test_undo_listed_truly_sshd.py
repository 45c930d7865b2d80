"""How `rollback-console list` (and the home screen's list) says an undo of a closed
incident that has not ended: walked on a real sshd, `undo` failed once, then run again and
held on its host, `list` said "rolled back and verified, an undo failed since" of an undo
still running there (it reads only the ends of steps: the failed first one)."""

from __future__ import annotations

import pytest

from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_presets_sshd import listed_line

pytestmark = pytest.mark.sshd

# An undo that fails until `undo-ok` is there, then waits on its host until `go` is.
UNDO = "test -e undo-ok || exit 1; i=0; while [ ! -e go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done"
STRATEGIES = {
    "strategies": [
        {
            "name": "marker",
            "kind": "custom",
            "commands": {
                "action": "echo 2.4.0 > release",
                "verify": "grep -q 2.4.0 release",
                "undo": UNDO,
            },
        }
    ]
}


def test_list_says_an_undo_still_running_is_not_ended_not_failed(sshd_server, tmp_path):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["marker"], probes=[], hosts=["app-1"]
    )
    ran = fleet.cli(
        "run", "--systems", "app", "--strategy", "marker", "--trigger", "user-impact",
        "--reason", "checkout broken", "--yes", "--outcome", "unverified:no probes here",
    )  # fmt: skip
    assert "closed the incident: rolled back" in ran.stdout, ran.stdout + ran.stderr
    journal = next(fleet.state.rglob("journal.jsonl")).parent
    failed = fleet.cli("undo", str(journal), "restore", "--yes")
    assert failed.returncode == 1, failed.stdout + failed.stderr

    def state() -> str:  # as `rollback-console list` says it, read in this process
        return listed_line(fleet.config, journal)

    assert "an undo failed since" in state()
    sandbox = fleet.sandboxes["app-1"]
    (sandbox / "undo-ok").touch()
    again = fleet.started("undo", str(journal), "restore", "--yes")
    try:
        assert again.stdout is not None
        for line in again.stdout:  # the undo sent to the host: it waits there for `go`
            if "app-1" in line and "sending" in line:
                break
        said = state()
        assert "an undo started since, not ended" in said and "failed" not in said, said
    finally:
        (sandbox / "go").touch()
        again.communicate(timeout=60)
    assert "undone since" in state()
