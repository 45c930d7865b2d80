"""The strategy's pause (`waves.pause_seconds`) between waves and between a gradual
re-enable's stages, on real sshd: journalled before it waits, shown on the execution
screen, and cut short by an abort. Seen on a README fleet: a headless run waited out the
whole pause after Ctrl+C (60 s, recording the abort twice for two signals), a re-enable's
stages ignored the pause (5 % to 100 % in one second under `--yes`), and nothing in the
record said why nothing happened for the length of a pause."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.journal.describe import describe
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.state import HostStatus
from console.model.status import StepStatus
from console.ui.widgets.run_summary import stages_text
from tests.cli_fleet import FLAG_PARAMS, FLAG_PROCEDURE, Fleet, flag_fleet, flag_incident

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "off",  # a canary, then a long pause: Ctrl+C comes in it
            "kind": "feature-toggle-off",
            "preset": "file",
            "waves": {"size": 1, "pause_seconds": 600},
            "params": FLAG_PARAMS,
        },
        {
            "name": "reenable",  # a long pause after each stage: the abort comes in it
            "kind": "feature-reenable",
            "preset": "file",
            "waves": {"pause_seconds": 600},
            "params": [*FLAG_PARAMS, {"name": "check", "default": "true"}],
        },
        {
            "name": "reenable-asked",  # a yes before each next stage
            "kind": "feature-reenable",
            "preset": "file",
            "waves": {"confirm": True},
            "params": [*FLAG_PARAMS, {"name": "steps", "default": "5,50,100"}],
        },
        {
            "name": "reenable-quick",
            "kind": "feature-reenable",
            "preset": "file",
            "waves": {"pause_seconds": 0.2},
            "params": [*FLAG_PARAMS, {"name": "check", "default": "true"}],
        },
    ]
}


def _fleet(sshd_server, root: Path, flags: str) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    strategies = [s["name"] for s in STRATEGIES["strategies"]]
    return flag_fleet(sshd_server, root, files, strategies, flags)


def test_ctrl_c_in_a_pause_between_waves_aborts_at_once_and_is_journalled_once(
    sshd_server, tmp_path: Path
) -> None:
    fleet = _fleet(sshd_server, tmp_path, "new_checkout=100\n")
    command = [sys.executable, "-m", "console", "run", "--config", str(fleet.config)]
    command += ["--systems", "app", "--strategy", "off", "--trigger", "user-impact"]
    command += ["--reason", "checkout broken", "--yes", "--journal", str(tmp_path / "inc")]
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        for _ in range(500):  # bounded: the run's lines up to its pause
            line = process.stdout.readline()
            if not line or "waiting 10 min 00 s before wave 2 of 2" in line:
                break
        assert "(the strategy's pause_seconds), until" in line, line
        process.send_signal(signal.SIGINT)
        process.send_signal(signal.SIGINT)  # a second Ctrl+C while it aborts
        process.communicate(timeout=60)  # the pause is 600 s: it was waited out
    finally:
        process.kill()
        process.wait(timeout=10)
    assert process.returncode == 1
    events = read_journal(tmp_path / "inc" / "journal.jsonl").events
    kinds = [e.kind for e in events]
    assert kinds.count(Kind.WAVE_PAUSED) == 1 and kinds.count(Kind.RUN_ABORTED) == 1
    not_started = [e.where.host for e in events if e.kind == Kind.HOST_NOT_STARTED]
    assert not_started == ["app-2"]
    assert fleet.written("flags") == {"app-1": "new_checkout=0\n", "app-2": "new_checkout=100\n"}


async def test_a_gradual_reenable_pauses_after_each_stage_but_the_last(
    sshd_server, tmp_path: Path
) -> None:
    fleet = _fleet(sshd_server, tmp_path, "new_checkout=0\n")
    async with flag_incident(fleet, "reenable-quick") as conductor:
        assert await conductor.run_step("restore")
        events = list(conductor.recorder.events)
    assert set(fleet.written("flags").values()) == {"new_checkout=100\n"}
    order = [
        (e.kind, e.data.done if e.kind == Kind.WAVE_PAUSED else e.data.index)
        for e in events
        if e.kind in (Kind.WAVE_PAUSED, Kind.ROLLOUT_STEP)
    ]
    # Each stage's record comes as it ended, before the pause after it.
    assert order == [
        (Kind.ROLLOUT_STEP, 1),
        (Kind.WAVE_PAUSED, 1),
        (Kind.ROLLOUT_STEP, 2),
        (Kind.WAVE_PAUSED, 2),
        (Kind.ROLLOUT_STEP, 3),
        (Kind.WAVE_PAUSED, 3),
        (Kind.ROLLOUT_STEP, 4),
    ]
    paused = next(e for e in events if e.kind == Kind.WAVE_PAUSED)
    assert describe(paused).startswith(
        "waiting 0 s before stage 2 of 4 (25%; the strategy's pause_seconds), until "
    )
    assert conductor.state.step("restore").paused is None


async def _paused_line(conductor, run: asyncio.Task) -> str:
    """The execution screen's stages line once the step pauses between stages."""
    st = conductor.state.step("restore")
    for _ in range(600):  # bounded: up to 60 s for a stage and its pause's record
        if st.paused is not None or run.done():
            break
        await asyncio.sleep(0.1)
    said = stages_text(st, conductor.state.rollout, running=True)
    assert said is not None, st
    return said.plain


async def test_an_abort_in_a_pause_between_stages_holds_the_rollout_there(
    sshd_server, tmp_path: Path
) -> None:
    fleet = _fleet(sshd_server, tmp_path, "new_checkout=0\n")
    async with flag_incident(fleet, "reenable") as conductor:
        run = asyncio.create_task(conductor.run_step("restore"))
        said = await _paused_line(conductor, run)
        # Each stage names its share: "✔ 1/4 · ⏸ 2/4" read as hosts, or any stage.
        assert said.startswith(" Stages ✔ 1/4 5% · ⏸ 2/4 25% at "), said
        assert said.endswith(" · ○ 3–4 of 4 not started"), said
        await conductor.abort("checkout errors again")
        # The pause is 600 s: an abort waited it out, then the next stage ran.
        assert not await asyncio.wait_for(run, 60)
        state = conductor.state
        assert set(fleet.written("flags").values()) == {"new_checkout=5\n"}
        st = state.step("restore")
        assert st.status is StepStatus.HELD and st.paused is None
        assert st.held is not None and st.held.reason == "aborted: checkout errors again"
        assert {r.status for r in st.hosts.values()} == {HostStatus.HELD}

        # The retry goes on with stage 2; in the pause after it, the line names each share
        # (it read "✔ 1/4 5% · ✔ 2/4 · ⏸ 3/4 at ...": 2 of 4 what, 3 of 4 at which share?).
        run = asyncio.create_task(conductor.run_step("restore"))
        said = await _paused_line(conductor, run)
        assert said.startswith(" Stages ✔ 1/4 5% · ✔ 2/4 25% · ⏸ 3/4 50% at "), said
        assert said.endswith(" · ○ 4/4 not started"), said
        await conductor.abort("still looking")
        assert not await asyncio.wait_for(run, 60)
    assert set(fleet.written("flags").values()) == {"new_checkout=25\n"}


def test_a_stage_is_said_before_the_question_after_it_headless(sshd_server, tmp_path) -> None:
    """Walked headless (--yes) on a README fleet, a re-enable that asks before each next
    stage printed 'stage 2 of 3 confirmed: answered by --yes ...', then 're-enable step 1
    of 3: 5% ok': the lines in the order things happened, the step's result first."""
    fleet = _fleet(sshd_server, tmp_path, "new_checkout=0\n")
    done = fleet.cli(
        "run", "--systems", "app", "--strategy", "reenable-asked", "--trigger",
        "stakeholder-decision", "--reason", "fix deployed", "--yes", "--journal",
        str(tmp_path / "inc"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()

    def at(words: str) -> int:
        return next(i for i, line in enumerate(lines) if words in line)

    assert at("re-enable step 1 of 3: 5% ok") < at("stage 2 of 3 confirmed"), done.stdout
    assert at("stage 2 of 3 confirmed") < at("re-enable step 2 of 3: 50% ok"), done.stdout
    assert at("re-enable step 2 of 3: 50% ok") < at("stage 3 of 3 confirmed"), done.stdout
    assert sum("re-enable step 1 of 3" in line for line in lines) == 1, done.stdout
