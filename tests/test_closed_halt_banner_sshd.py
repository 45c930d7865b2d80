"""A closed incident's execution screen offers no retry in its halt banner. Walked at
80x24 on a README fleet of real sshd hosts (helper-128): a rollback in waves halted
(web-3's host key changed), then aborted: the counts line no longer offered t (4bac32e),
but the banner under it still said '2 host(s) not started · t retries them with the
failed ones', and t does nothing after the close."""

from __future__ import annotations

import pytest

from console.ui.screens.execution import ExecutionScreen
from tests.test_dialog_watch_line_sshd import screen_lines
from tests.test_resume_closed_unknown import resumed
from tests.test_ui_support import until
from tests.test_wave_sizes_sshd import fleet, run  # noqa: F401

pytestmark = pytest.mark.sshd


async def test_the_halt_banner_of_a_closed_incident_offers_no_retry(fleet, tmp_path):  # noqa: F811
    journal = tmp_path / "incident"
    missing = fleet.sandboxes["app-1"] / "releases" / "2.9.1"
    missing.rename(missing.with_name("gone"))  # the canary fails: the six are not started
    ran = run(fleet, journal, "--yes")
    assert ran.returncode == 1, ran.stdout + ran.stderr

    async with resumed(fleet.config, journal / "journal.jsonl") as (app, pilot, said):
        assert said.startswith("Closed: failed"), said
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.pause(0.3)
        shown = "\n".join(screen_lines(app))
        assert "✘ HALTED  1 of 7 host(s) failed" in shown, shown
        assert "6 host(s) not started" in shown, shown
        assert "retries" not in shown and "goes on with" not in shown, shown
