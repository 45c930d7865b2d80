"""An ad-hoc command that failed on every host read "failed on some of 3 host(s)": the
toast says on how many of them it did not succeed, and how they stand (seen at 80x24 on a
real sshd fleet). Real OpenSSH sshd; the command fails where a marker is missing."""

from __future__ import annotations

import pytest

from console.model.state import StepStatus
from tests.test_quit_mid_step import console_at_80x24, fleet
from tests.test_ui_support import open_incident, type_text, until

pytestmark = pytest.mark.sshd


async def test_an_adhoc_commands_toast_says_on_how_many_hosts_it_failed(sshd_server, tmp_path):
    config, sandboxes = fleet(sshd_server, tmp_path, ["web-1", "web-2", "web-3"])
    (sandboxes["web-2"] / "marker").write_text("")
    async with console_at_80x24(config) as (app, pilot):
        await open_incident(pilot)
        await pilot.press("f3", "e")
        await type_text(pilot, "test -f marker")
        await pilot.press("enter")
        step = app.conductor.state.step("adhoc-1")
        await until(pilot, lambda: step.status is StepStatus.FAILED)
        await until(pilot, lambda: any(n.title == "Ad-hoc command" for n in app._notifications))
        said = [n.message for n in app._notifications if n.title == "Ad-hoc command"]
    assert said == ["“test -f marker” did not succeed on 2 of 3 host(s): 2 failed."], said
