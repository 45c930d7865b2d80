"""Leaving the picker while its SSH check still answers does not crash the console.

Seen at 80x24 on 100 real sshd hosts (init's configuration): Space on `web`, then Enter a
second later, while the picker's check of every host still ran. The picker was taken
down, its widgets first; an answer's batch timer, set on it just before, fired in between
and found no `#reach`: 'NoMatches: No nodes match '#reach' on PickerScreen', the console
gone (exit 1) with the incident just declared. The same window held for an answer heard
before `on_unmount` stopped the listening (its host tree queried). Both now see the
picker gone and do nothing.

The window is a few milliseconds wide; here the answer and the batch's tick are handed
to the picker's pane as the check and the timer hand them, once the picker is gone.
Real sshd, the console at 80x24."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.picker import PickerScreen
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    declare_and_pick,
    until,
)
from tests.test_wave_question_key_in_flight_sshd import HOSTS, three_hosts

pytestmark = pytest.mark.sshd


async def test_an_answer_heard_as_the_picker_goes_is_not_shown_on_it(
    sshd_server, tmp_path: Path
) -> None:
    _, app = three_hosts(sshd_server, tmp_path, check_reach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "checkout errors")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        reach = app.reach
        assert reach is not None
        await until(pilot, lambda: len(reach.results) == len(HOSTS) and not reach.checking, 60)
        pane, answer = picker.reach_pane, reach.results["app-1"]
        await pilot.press("space", "enter")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await until(pilot, lambda: not picker.query("*"))  # its widgets gone
        pane._reached(answer)  # the check's answer, heard in the window (main: NoMatches)
        pane._tick()  # the batch's timer, fired in the window (main: NoMatches '#reach')
        await pilot.pause(0.2)
        assert app.is_running and isinstance(app.screen, ChecklistScreen)
        assert reach.listener is None  # nobody listens for a picker gone
        assert app.conductor is not None and not app.conductor.state.closed
