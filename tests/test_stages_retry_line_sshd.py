"""The execution screen's stages line while a retry of a failed gradual re-enable runs its
first stage again, on a real sshd: that stage, running, never the stages of the run before.

Walked at 80x24: a re-enable of new_checkout (5, 25, 100 %) failed at 25 % on two hosts;
t retried it, which starts again from 5 %; while its first stage ran, the line read
'Stages ✔ 1/3 5% · ✘ 2/3 25% (2 failed) · ▶ 3/3 running', the rollout at 100 % as far as
the screen said. It now reads 'Stages ▶ 1/3 5% running ...', the run before on the line
below ('Earlier rollout 1: failed at 2/3 (25%)')."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from console.journal.describe import describe
from console.journal.store import read_journal
from console.model.state import HostStatus
from console.ui.widgets.run_summary import stages_text
from tests.cli_fleet import FLAG_PROCEDURE, flag_fleet, flag_incident, reenable_strategies
from tests.test_lost_mid_change import WAIT_FOR_GO

pytestmark = pytest.mark.sshd

# At 25 % the check fails on a host marked `broken`; the restart waits for `go` on a host
# marked `slow` (bounded, 60 s).
STRATEGIES = reenable_strategies(
    {"name": "steps", "default": "5,25,100"},
    {"name": "restart", "default": f"[ ! -e slow ] || {{ {WAIT_FOR_GO}; }}"},
    {"name": "check", "default": "grep -qx new_checkout=5 flags || [ ! -e broken ]"},
)


async def test_a_retry_from_the_first_stage_shows_that_stage_running(sshd_server, tmp_path: Path):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["reenable"], "new_checkout=0\n")
    app_1 = fleet.sandboxes["app-1"]
    (fleet.sandboxes["app-2"] / "broken").write_text("")
    async with flag_incident(fleet, "reenable") as conductor:
        assert not await conductor.run_step("restore")  # stage 2 (25 %) fails on app-2
        state = conductor.recorder.state
        line = stages_text(state.step("restore"), list(state.rollout), running=False)
        assert line is not None and line.plain.startswith(" Stages ✔ 1/3 5% · ✘ 2/3 25%"), line

        (fleet.sandboxes["app-2"] / "broken").unlink()
        (app_1 / "slow").write_text("")  # its restart waits: stage 1 runs
        retry = asyncio.ensure_future(conductor.run_step("restore"))
        try:
            for _ in range(600):  # bounded: app-1's stage 1 of the retry is under way
                run = conductor.recorder.state.step("restore").hosts["app-1"]
                if run.attempt == 2 and run.status is HostStatus.RUNNING and run.stage == "set 5%":
                    break
                await asyncio.sleep(0.05)
            state = conductor.recorder.state
            line = stages_text(state.step("restore"), list(state.rollout), running=True)
            assert line is not None
            assert line.plain == (
                " Stages ▶ 1/3 5% running · ○ 2–3 of 3 not started\n"
                " Earlier rollout 1: failed at 2/3 (25%)"
            )
        finally:
            (app_1 / "go").write_text("")
            assert await retry


# The restart waits, on a host marked `slow`, for `go-PERCENT` (bounded, 60 s): each stage
# runs until the test lets it go.
EACH_STAGE_WAITS = reenable_strategies(
    {"name": "steps", "default": "5,25,100"},
    {
        "name": "restart",
        "default": "v=$(sed -n 's/^new_checkout=//p' flags); [ ! -e slow ] || {"
        " i=0; while [ ! -e go-$v ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; }",
    },
)


async def test_each_stage_running_reads_as_that_stage_with_its_share(sshd_server, tmp_path: Path):
    """Walked at 80x24 on a real sshd fleet from init: the first stage of a re-enable read
    'Waves ▶ 1/1 running (3 host(s))', as if the rollout were one run of one wave (no stage
    is recorded before it ends), and the second 'Stages ✔ 1/4 5% · ▶ 2/4 running', its
    share unsaid. Each stage's waves now say which stage they are (`wave.started`), and
    the journal's line for them too."""
    files = {"strategies.toml": EACH_STAGE_WAITS, "procedure.toml": FLAG_PROCEDURE}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["reenable"], "new_checkout=0\n")
    app_1 = fleet.sandboxes["app-1"]
    (app_1 / "slow").write_text("")
    async with flag_incident(fleet, "reenable") as conductor:
        run = asyncio.ensure_future(conductor.run_step("restore"))

        async def line_when(stage: str) -> str:
            for _ in range(600):  # bounded: app-1's stage is under way
                host = conductor.recorder.state.step("restore").hosts.get("app-1")
                if host is not None and host.status is HostStatus.RUNNING and host.stage == stage:
                    break
                await asyncio.sleep(0.05)
            state = conductor.recorder.state
            line = stages_text(state.step("restore"), list(state.rollout), running=True)
            return line.plain if line is not None else ""

        try:
            first = await line_when("set 5%")
            assert first == " Stages ▶ 1/3 5% running · ○ 2–3 of 3 not started"
            (app_1 / "go-5").write_text("")
            second = await line_when("set 25%")
            assert second == " Stages ✔ 1/3 5% · ▶ 2/3 25% running · ○ 3/3 not started"
        finally:
            for percent in (5, 25, 100):
                (app_1 / f"go-{percent}").write_text("")
            assert await run
    said = [describe(e) for e in read_journal(conductor.recorder.path).events]
    assert "stage 2 of 3 (25%): wave 1 of 1 started (2 hosts)" in said, said
