"""a, Abort, while an ad-hoc command (e) runs: seen at 80x24 on a real sshd fleet of 200
hosts, the console ended with a traceback ('aborting.py:48 in prompt_abort ...
StopIteration', 'RuntimeError: coroutine raised StopIteration'), leaving the command
running everywhere unaborted: the abort dialog looked the running step up among the
procedure's, where an ad-hoc command's is not. Real OpenSSH sshd."""

from __future__ import annotations

import pytest

from console.model.state import HostStatus, StepStatus
from console.ui.screens.dialogs import TextPrompt
from tests.test_quit_mid_step import console_at_80x24, fleet
from tests.test_ui_support import open_incident, type_text, until

pytestmark = pytest.mark.sshd

HOSTS = ["web-1", "web-2"]


async def _running(pilot):
    """An incident opened, the ad-hoc command `echo started; sleep 60` running on every
    host (e on the execution screen): its step, as the state has it now."""
    app = pilot.app
    await open_incident(pilot)
    await pilot.press("f3", "e")
    await type_text(pilot, "echo started; sleep 60")
    await pilot.press("enter")

    def step():
        return app.conductor.state.step("adhoc-1")

    await until(pilot, lambda: all(step().hosts[h].said() == "started" for h in HOSTS))
    return step


async def test_aborting_a_running_adhoc_command_asks_why_then_aborts_it(sshd_server, tmp_path):
    config, _ = fleet(sshd_server, tmp_path, HOSTS)
    async with console_at_80x24(config) as (app, pilot):
        step = await _running(pilot)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt))
        assert "Running commands are signalled" in app.screen.explanation
        await type_text(pilot, "wrong command")
        await pilot.press("enter")
        await until(pilot, lambda: step().status is StepStatus.FAILED)
        statuses = {h: r.status for h, r in step().hosts.items()}
    assert statuses == dict.fromkeys(HOSTS, HostStatus.ABORTED), statuses


async def test_a_note_on_a_running_adhoc_command_is_its_own(sshd_server, tmp_path):
    """n on the execution screen while an ad-hoc command (e) was shown ended the console
    with 'lifecycle.py in prompt_note ... procedure.py in step ... RuntimeError: coroutine
    raised StopIteration' (found by random keys at 80x24 on a real sshd fleet): the note's
    prompt looked the shown step's title up among the procedure's. It asks for a note on
    the command as typed, and the note is the command's."""
    from console.model.events import Kind

    config, _ = fleet(sshd_server, tmp_path, HOSTS)
    async with console_at_80x24(config) as (app, pilot):
        step = await _running(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt))
        assert "echo started; sleep 60" in app.screen.title_text, app.screen.title_text
        await type_text(pilot, "checking web-2 by hand")
        await pilot.press("enter")
        notes = lambda: [  # noqa: E731
            e for e in app.conductor.recorder.events.actions if e.kind == Kind.NOTE_ADDED
        ]
        await until(pilot, lambda: bool(notes()))
        assert notes()[-1].where.step == "adhoc-1"
        assert notes()[-1].data.text == "checking web-2 by hand"
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt))
        await type_text(pilot, "done")
        await pilot.press("enter")
        await until(pilot, lambda: step().status is StepStatus.FAILED)
