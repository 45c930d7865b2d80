"""A follower of an incident nobody drives any more reads so in its banner, not only in a
toast that goes after 30 s. Walked at 80x24: the commander quit, leaving the incident open;
the follow view's banner read 'driving: root · holds no lock (not executing)' for as long
as it ran, beside a toast 'Nobody drives this incident now' that was gone 30 s later. Here
a headless `run` on a real sshd leaves its incident open (a verify that finds its change
still under way: exit 4), and a follower opens it at 80x24."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.model.clock import FixedClock
from console.ui.follow import make_follow_app
from tests.test_cli_run_sshd import _still_under_way_fleet, run
from tests.test_ui_follow import banner
from tests.test_ui_support import START, _close_engines, until  # noqa: F401

pytestmark = pytest.mark.sshd


async def test_the_banner_says_nobody_drives_an_incident_left_open(
    sshd_server, tmp_path: Path
) -> None:
    fleet = _still_under_way_fleet(sshd_server, tmp_path)
    result = run(fleet, "--yes")
    assert result.returncode == 4, result.stdout + result.stderr
    app = make_follow_app(fleet.state / "incident", FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "driving: nobody now" in banner(app))
        shown = " ".join(banner(app).split())
        assert "driving: nobody now: rollback-console run pid" in shown, shown
        assert "driving: root" not in shown, shown
