"""How `rollback-console list` (and the home screen's list) says an undo of a closed
incident that has not ended: walked on a real sshd, `undo` failed once, then run again and
held on its host, `list` said "rolled back and verified, an undo failed since" of an undo
still running there (it reads only the ends of steps: the failed first one)."""

from __future__ import annotations

import subprocess
import time

import pytest
from textual.widgets import OptionList

from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.ui.follow import make_follow_app
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_lost_mid_change import _drop, _sessions_of
from tests.test_presets_sshd import listed_line
from tests.test_ui_support import START, until

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


async def test_list_says_an_undo_still_running_is_not_ended_not_failed(sshd_server, tmp_path):
    """And an undo whose host was lost mid-undo reads unknown, not failed: walked at 80x24
    on a real sshd, its connection dropped mid-command, the checklist read '✘ undo', 'its
    undo failed', as `list` did 'an undo failed since'."""
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
        [token] = [  # its connection drops, the host unreachable mid-undo
            e.data.token
            for e in read_journal(journal / "journal.jsonl").events
            if e.kind == Kind.COMMAND_INTENT and e.where.step == "restore.undo"
        ][-1:]
        tagged = ["pgrep", "-f", f"rollback-attempt={token}"]
        for _ in range(300):  # its process there (the intent goes first), bounded
            if subprocess.run(tagged, capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        _drop(_sessions_of(token, sshd_server.server.process.pid))
        out, _ = again.communicate(timeout=60)
    finally:
        again.kill()
    assert "restore: undo's outcome UNKNOWN; unknown: app-1; check app-1 by hand" in out, out
    assert again.returncode == 4, out  # as `run`'s and `verify`'s with a host unknown (was 1)
    said = state()
    assert "an undo's outcome unknown since (verify by hand)" in said, said
    app = make_follow_app(journal / "journal.jsonl", FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        steps = app.screen.query_one("#steps", OptionList)
        await until(pilot, lambda: "Restore" in str(steps.get_option("restore").prompt))
        assert "? undo      2. Restore" in str(steps.get_option("restore").prompt)
        steps.highlighted = steps.get_option_index("restore")
        detail = app.screen.query_one("#step-detail")
        await until(pilot, lambda: "Undo's outcome unknown: 1 unknown" in str(detail.render()))
        assert "? unknown: check by hand before retrying: app-1 (closed: verify by hand" in str(
            detail.render()
        )
    (sandbox / "go").touch()
    undone = fleet.cli("undo", str(journal), "restore", "--yes", "--hosts", "app-1")
    assert undone.returncode == 0, undone.stdout + undone.stderr  # named: checked by hand
    assert "undone since" in state()
