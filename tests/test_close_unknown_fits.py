"""The close (F7) while four hosts' outcome is unknown, at 80x24, with an outcome that asks
for a reason (aborted): Enter refuses and says what to do, F7 closes anyway or Esc then v
verifies first. Walked on a README fleet (a command step cut by the console's terminal
closing): the dialog, taller than the screen, showed the refusal's first line alone ('Not
closed: Outcome unknown on web-1, web-2, web-3 +1 more: a change') and neither key. The
refusal no longer repeats what the dialog says above it. Real OpenSSH sshd: `run` leaves
every host unknown (its verify finds the change still under way); the console resumes it in
tmux."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES, run
from tests.test_ui_terminal import Tmux

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]

HOSTS = ("app-1", "app-2", "app-3", "app-4")


def left_unknown(sshd_server, tmp_path: Path, hosts: tuple[str, ...]) -> tuple[Path, Tmux]:
    """`run` leaves every host unknown (its verify finds the change still under way):
    its journal, and the console resuming it at 80x24 in tmux."""
    strategies = json.loads(json.dumps(STRATEGIES))
    strategies["strategies"][0]["commands"]["verify"] = (
        'if [ -f slow ]; then echo "still migrating" >&2; exit 75; fi; grep -q 2.4.0 release'
    )
    files = {"strategies.toml": strategies, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[], hosts=hosts)
    for sandbox in fleet.sandboxes.values():
        (sandbox / "slow").write_text("")
    result = run(fleet, "--yes")
    assert result.returncode == 4, result.stdout + result.stderr
    journal = fleet.state / "incident" / "journal.jsonl"
    tmux = Tmux(tmp_path)
    console = f"{sys.executable} -m console resume {journal} --config {fleet.config}"
    tmux.start(f"{console}; echo EXITED $?; sleep 60")
    return journal, tmux


def test_the_refusal_with_hosts_unknown_fits_at_80x24(sshd_server, tmp_path: Path) -> None:
    journal, tmux = left_unknown(sshd_server, tmp_path, HOSTS)
    try:
        tmux.wait_for("Outcome unknown on app-1", tries=300)
        tmux.keys("F7")
        # the dialog's outcomes: "Close incident" is the footer's F7 too, there already
        screen = tmux.wait_for("Rolled back and verified", tries=300)
        said = " ".join(" ".join(screen.split("█")).split())
        assert "Outcome unknown on app-1, app-2, app-3 +1 more" in said, screen
        for outcome in ("Aborted", "Partially rolled back"):
            tmux.keys("BTab")  # back to the outcomes, whichever had the focus
            rows = screen.splitlines()
            at = next(i for i, row in enumerate(rows) if "Rolled back and verified" in row)
            chosen = next(i for i, row in enumerate(rows) if outcome in row)
            cursor = next((i for i, row in enumerate(rows) if "●" in row), at)
            tmux.keys(*(["Down"] * (chosen - cursor) or ["Up"] * (cursor - chosen)), "Space")
            if outcome == "Aborted":
                tmux.type("the bridge stopped it")
            screen = tmux.wait_for("▐●▌ " + outcome, tries=300)
            tmux.keys("Enter")
            screen = tmux.wait_for("Not closed", tries=300)
            said = " ".join(" ".join(screen.split("█")).split())
            # the refusal whole: the keys it names are on the screen, and the dialog's end
            assert "F7 closes anyway; Esc, then v, verifies first." in said, screen
            assert "▄▄▄" in screen.splitlines()[-2] or "▄▄▄" in screen, screen
            assert "Close incident" in screen, screen  # its top too
        assert not [e for e in read_journal(journal).events if e.kind == Kind.INCIDENT_CLOSED]
        tmux.keys("F7")
        tmux.wait_for("Closed: partially rolled back", tries=300)
    finally:
        tmux.run("kill-server")
