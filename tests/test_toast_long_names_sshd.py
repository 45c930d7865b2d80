"""A toast at 80x24 never breaks a host's name across lines. Walked on a README fleet whose
hosts are named as a cloud names them (`checkout-frontend-eu-west-1a-prod-003`, 37
characters): the "Not started" toast read `checkout-frontend-eu-west-1a-prod-00` on one
line and `3: no release ...` on the next, another host's name as far as the eye goes.
Textual's toast is at most half the screen, 36 columns of text at 80; ours are 55%, 40
columns: a name of 37 and the colon after it fit. Real sshd, the real app at 80x24."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets._toast import Toast

from console.model.loading import load_settings
from tests.test_needed_nothing_sshd import STRATEGIES, releases_fleet
from tests.test_resolve_release_sshd import confirmation
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd

HOST = "checkout-frontend-eu-west-1a-prod-003"


async def test_a_toast_names_a_37_character_host_on_one_line(sshd_server, tmp_path: Path):
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, (HOST,))
    shutil.rmtree(fleet.sandboxes[HOST] / "releases" / "2.9.1")  # nothing to go back to
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        assert await confirmation(app, pilot) == ""  # not started: a toast says why
        await until(pilot, lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        [toast] = [t for t in app.screen.query(Toast) if "could not be resolved" in str(t.render())]
        lines = [s.text for s in toast.render_lines(Region(0, 0, *toast.outer_size))]
        assert any(f"{HOST}:" in line for line in lines), lines
