"""The execution screen's stages line while a retry of a failed gradual re-enable runs its
first stage again, on a real sshd: that stage, running, never the stages of the run before.

Walked at 80x24: a re-enable of new_checkout (5, 25, 100 %) failed at 25 % on two hosts;
t retried it, which starts again from 5 %; while its first stage ran, the line read
'Stages ✔ 1/3 5% · ✘ 2/3 25% (2 failed) · ▶ 3/3 running', the rollout at 100 % as far as
the screen said. It now reads 'Stages ▶ 1/3 running ...', the run before on the line
below ('Earlier rollout 1: failed at 2/3 (25%)')."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

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
                " Stages ▶ 1/3 running · ○ 2–3 of 3 not started\n"
                " Earlier rollout 1: failed at 2/3 (25%)"
            )
        finally:
            (app_1 / "go").write_text("")
            assert await retry
