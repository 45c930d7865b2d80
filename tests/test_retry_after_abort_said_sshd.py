"""The document's summary of a host aborted in a step and retried, on real sshd at 80x24:
it read '“Restore” failed at first on app-1 and succeeded when retried (attempt 2)', where
the commander had aborted app-1's hung action, the Failures section below saying
'aborted' (reviewed, helper-154)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.model.loading import load_settings
from console.model.state import HostStatus, StepStatus
from console.ui.screens.confirm_run import RunConfirm
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd

STRATEGY = {
    "name": "pin-release",
    "kind": "custom",
    "commands": {
        "action": "if [ -e hang ]; then sleep 600; fi; echo 2.4.1 > version",
        "verify": "true",
    },
}


async def test_a_host_aborted_then_retried_is_said_aborted_not_failed(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": {"strategies": [STRATEGY]}, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["pin-release"], probes=[], hosts=["app-1"]
    )
    hang = fleet.sandboxes["app-1"] / "hang"
    hang.write_text("")
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        step = app.conductor.state.step
        await until(pilot, lambda: step("restore").hosts["app-1"].status is HostStatus.RUNNING)
        await pilot.pause(1)  # its action under way
        app.aborting.abort("app-1 hangs")
        await until(pilot, lambda: step("restore").hosts["app-1"].status is HostStatus.ABORTED, 60)
        await until(pilot, lambda: not app.conductor.running, 60)
        hang.unlink()
        await app.push_screen("execution")
        await pilot.pause(0.2)
        await pilot.press(app.key_label("execution.retry"))
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        await until(pilot, lambda: step("restore").status is StepStatus.DONE, 60)
    [journal] = (tmp_path / "incidents").glob("*/journal.jsonl")  # the one incident here
    exported = fleet.cli("export", str(journal), "--format", "json")
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)["document"]
    [failure] = document["failures"]
    assert failure["status"] == "aborted", failure
    summary = document["summary"]["paragraph"]
    said = "“Restore” was aborted at first on app-1 and succeeded when retried (attempt 2): see"
    assert f"{said} Failures." in summary, summary
    assert "failed at first" not in summary, summary
