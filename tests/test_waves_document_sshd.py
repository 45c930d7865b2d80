"""The rollback document says which wave each host was in. Walked on a README fleet of 7
real sshd hosts, a rollback in waves of 3, 3 and 1 stopped after the second (a host of it
failed, so --yes did not confirm the third): the timeline read "restore wave 2 of 3: 3
hosts sent → 2 succeeded, 1 failed (web-5: non-zero exit), 1 not started", the third
wave's host counted in the second's row, dated after the halt; no row named a host, and
the appendix said "wave 1 of 3 started (3 hosts)"."""

from __future__ import annotations

import shutil

from tests.test_needed_nothing_sshd import fleet as four_hosts  # noqa: F401
from tests.test_needed_nothing_sshd import run
from tests.test_undo_waves_sshd import pytestmark, waved  # noqa: F401


def test_each_wave_row_names_its_hosts_and_unstarted_ones_their_own(waved, tmp_path):  # noqa: F811
    shutil.rmtree(waved.sandboxes["app-2"] / "releases" / "2.9.1")  # no release to go back to
    ran = run(waved, tmp_path / "incident")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "halted the run: wave 2 of 2: not confirmed (app-2 did not succeed)" in ran.stdout
    # One host changed: "put it back" (it read "put them back" of web-1 alone).
    assert (  # app-1 succeeded: the step's "(failed)" read as its own (left_changed)
        "“Restore previous version” changed app-1 (succeeded there; the step failed): to put"
        " it back," in ran.stdout
    )
    document = waved.cli("export", str(tmp_path / "incident"), "--format", "markdown", "-o", "-")
    text = document.stdout
    timeline = text.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in timeline.splitlines() if "restore wave" in line]
    assert len(rows) == 2, timeline
    assert "restore wave 1 of 2 (app-1, app-2): 2 hosts sent → 1 succeeded, 1 failed" in rows[0]
    # nothing sent, no time ("... 2 not started in 0.00 s")
    assert rows[1].endswith(
        "restore wave 2 of 2 (app-3, app-4): 0 hosts sent → 2 not started | restore |"
    )
    # In the order it happened: the second wave's row after the halt that stopped it.
    assert timeline.index("halted the run: wave 2 of 2") < timeline.index(rows[1])
    assert "wave 2 of 2 not started: answered by the console, not --yes" in timeline
    assert "| wave 1 of 2 started (2 hosts: app-1, app-2) |" in text
