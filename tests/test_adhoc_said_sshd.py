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


async def test_the_adhoc_dialog_names_every_host_whole(sshd_server, tmp_path):
    """Seen at 80x24 on a real sshd fleet from `init`: with three 38-character host names
    the choice read 'All 3 incident hosts (paymen…dger-eu-west-1c-replica-003)', one
    line cut in its middle, as if all three were that one host."""
    from textual.widgets import RadioButton, Static

    from console.ui.screens.adhoc import AdhocDialog

    hosts = [f"payments-ledger-eu-west-1{z}-primary-00{n}" for n, z in enumerate("abc", 1)]
    config, _ = fleet(sshd_server, tmp_path, hosts)
    async with console_at_80x24(config) as (app, pilot):
        await open_incident(pilot)
        await pilot.press("f3", "e")
        await until(pilot, lambda: isinstance(app.screen, AdhocDialog))
        await pilot.pause(0.2)
        choices = [str(b.render()) for b in app.screen.query(RadioButton)]
        assert "All 3 incident hosts" in choices[0] and "…" not in choices[0], choices
        named = str(app.screen.query_one("#adhoc-hosts", Static).render())
    assert " ".join(named.split()) == f"Incident hosts: {', '.join(hosts)}", named
