"""A gradual re-enable whose console is SIGKILLed while it asks whether to start the next
stage, on real sshd, then resumed. Seen at 80x24: after a toggle-off, its undo, the
toggle-off again and a re-enable held at 25 % then taken on to 50 %, a kill at the
question before 100 % left the resumed console reading '? unknown' with the old hold's
'held at 25 %', 'Undone since: 3 succeeded' and 'Undone: the rollback is not in place.
Enter runs the strategy on the selected hosts again' (which would have set the flags from
50 back to 5 %), and F3 (the follower's too) showed the undo's 'new_checkout=100 again'.
Now: held at the stage the hosts passed, recorded; a retry goes on with the next one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.state import HostStatus, fold
from console.model.status import StepStatus
from console.ui.follow import make_follow_app
from tests.cli_fleet import FLAG_PROCEDURE, Fleet, write_fleet
from tests.test_ui_support import START, _close_engines, until  # noqa: F401

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "off",
            "kind": "feature-toggle-off",
            "preset": "file",
            "params": [
                {"name": "flags", "default": "new_checkout"},
                {"name": "flags_file", "default": "flags"},
            ],
        },
        {
            "name": "off-slow",  # killed in its restart
            "kind": "feature-toggle-off",
            "preset": "file",
            "params": [
                {"name": "flags", "default": "new_checkout"},
                {"name": "flags_file", "default": "flags"},
                {"name": "restart", "default": "sleep 30"},
            ],
        },
        {
            "name": "reenable",
            "kind": "feature-reenable",
            "preset": "file",
            "waves": {"confirm": True},
            "params": [
                {"name": "flags", "default": "new_checkout"},
                {"name": "flags_file", "default": "flags"},
                {"name": "check", "default": "true"},
            ],
        },
    ]
}

# The console's part, in a process of its own: off, undo, off again, then the re-enable,
# its first question answered yes, the second left waiting (the process is killed there).
DRIVER = """
import asyncio, sys
from pathlib import Path
from console.engine.session import Engine
from console.model.loading import load_settings
from console.model.triggers import TriggerKind

async def main(config, root, mode):
    engine = Engine(load_settings(Path(config)), Path(root))
    c = engine.new_incident("flags", incident_id="inc", systems=["app"])
    c.declare_trigger(TriggerKind.USER_IMPACT, "checkout broken")
    c.select(["app"])
    c.choose_strategy("off", {})
    assert await c.run_step("restore")
    if mode == "slow":
        c.choose_strategy("off-slow", {})

        def sent(event):
            if event.kind == "command.intent" and event.data.stage == "action":
                print("ASKED action", flush=True)

        c.recorder.subscribe(sent)
        await c.run_step("restore")
        return
    assert await c.undo("restore")
    assert await c.run_step("restore")
    c.choose_strategy("reenable", {})
    asked = []

    async def confirm(what, done, of, hosts=()):
        asked.append(done)
        if len(asked) == 1:
            return True
        print("ASKED", done, flush=True)
        await asyncio.sleep(3600)
        return False

    c.confirm_wave = c.questions.asking("restore", confirm)
    await c.run_step("restore")

asyncio.run(main(*sys.argv[1:4]))
"""


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    strategies = ["off", "off-slow", "reenable"]
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=strategies, probes=[])
    for sandbox in fleet.sandboxes.values():
        (sandbox / "flags").write_text("new_checkout=100\ndark_mode=50\n")
        os.chown(sandbox / "flags", sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def killed_at(fleet: Fleet, mode: str, said: str) -> Path:
    root = fleet.state / "incidents"
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(fleet.config), str(root), mode],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)},
    )
    deadline = time.monotonic() + 90
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(said), line
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=max(1.0, deadline - time.monotonic()))
    return root / "inc" / "journal.jsonl"


async def test_a_rollout_killed_at_its_stage_question_resumes_held_there(fleet: Fleet) -> None:
    journal = killed_at(fleet, "stages", "ASKED 2")
    assert set(fleet.written("flags").values()) == {"new_checkout=25\ndark_mode=50\n"}
    before = fold(read_journal(journal).events)
    assert before.step("restore").status is StepStatus.RUNNING
    # It ran again after its undo (still running, as its follower sees it): not undone.
    assert before.undone("restore") is None

    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(journal)  # its own stale lock, taken back
    try:
        st = conductor.state.step("restore")
        assert st.status is StepStatus.HELD, st.summary
        assert st.summary.startswith("held at 25 % on 2 hosts (stage 2 of 4): the console")
        assert {r.status for r in st.hosts.values()} == {HostStatus.HELD}
        # The undo of the first toggle-off is long past: never 'undone since'.
        assert conductor.state.undone("restore") is None
        # A retry goes on with 50 %: never from the first stage (back to 5 %).
        stages = {commands[0][0] for commands in conductor.preview("restore").values()}
        assert stages == {"set 50%"}
    finally:
        await engine.close()
        conductor.recorder.close()
    kinds = [e.kind for e in read_journal(journal).events]
    resumed = kinds.index(Kind.INCIDENT_RESUMED)
    # The stage was on record as it ended, before the question: the resume holds it there.
    assert kinds[resumed + 1 :][:2] == [Kind.ROLLOUT_HELD, Kind.STEP_COMPLETED]
    assert kinds[:resumed].count(Kind.ROLLOUT_STEP) == kinds.count(Kind.ROLLOUT_STEP)

    # A follower's F3 shows the step that ran last, not the undo (an earlier record).
    app = make_follow_app(journal, _clock())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: getattr(app.screen, "step_id", None) is not None)
        assert app.screen.step_id == "restore"


def test_the_document_says_a_hold_recorded_at_resume_came_after_the_console_ended(
    fleet: Fleet,
) -> None:
    """Seen in the rollback document after the resume above: 'finished step “Restore”:
    held — 2 hosts sent → 2 held at 25 % in 0.1 s', dated at the resume, after 'resumed
    the incident': as if the resumed console had run the stages in 0.1 s and held them.
    Those 0.1 s were the dead console's commands. Its hosts' row keeps their own time and
    what they did (the stages passed); the completion at the resume says why it is held."""
    journal = killed_at(fleet, "stages", "ASKED 2")
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    engine.resume(journal).recorder.close()
    result = fleet.cli("export", str(journal), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    timeline = result.stdout.split("## Timeline")[1].split("\n## ")[0]
    rows = [ln.split(" | ")[2] for ln in timeline.splitlines() if ln.count(" | ") >= 3]
    resumed = rows.index("resumed the incident")
    before, after = rows[:resumed], rows[resumed + 1 :]
    ran = "restore: 2 hosts sent → 2 succeeded in "
    assert [r for r in before if r.startswith(ran)], before  # the stages, when they ran
    assert not [r for r in rows if " held at 25 % in " in r], rows
    cut = "held at 25 % on 2 hosts (stage 2 of 4): the console ended before it started"
    assert f"finished step “Restore”: {cut} the next stage (resumed since)" in after, after


def _clock():
    from console.model.clock import FixedClock

    return FixedClock(START)


async def test_a_run_cut_short_never_reads_as_the_run_before_it(fleet: Fleet) -> None:
    """Seen at 80x24: a toggle-off killed in its restart, after a re-enable of the same
    step that succeeded, read '? unknown' with 'Result: 3 succeeded' (the re-enable's),
    and the document said 'interrupted: outcome unknown: 3 succeeded'."""
    journal = killed_at(fleet, "slow", "ASKED action")
    events = read_journal(journal).events
    st = fold(events).step("restore")
    assert st.status is StepStatus.RUNNING
    assert st.summary == ""
    document = EXPORT_FORMATS["markdown"].render(events, False)
    line = next(ln for ln in document.splitlines() if "**Restore**" in ln)
    # its own run is said unknown; the earlier run's successes only as that run's (fa3e224)
    now, _, before = line.partition("; attempt 1: ")
    assert now == "1. **Restore** — interrupted: outcome unknown; 2 attempts", line
    assert "succeeded" not in now and before == "done: 2 succeeded", line
