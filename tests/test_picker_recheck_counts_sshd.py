"""The picker's SSH check counts each host once while it checks again. Walked at 80x24 as a
first-time responder on 8 real sshd hosts behind a bastion that stalled (helper-180): ^r
read 'SSH check (all 8): ✔ 7 up · ✘ 1 not up · … 8 checking', sixteen answers of eight
hosts, the last ones beside the check under way, and named the one host whose last answer
failed as not up while the tree read '… checking' for it (real sshd, stopped meanwhile)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.fleet_settings import sshd_settings
from tests.test_jump_host_stalled_sshd import stalled
from tests.test_ui_picker_reach import open_picker, tree_lines
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)


async def test_a_host_checked_again_counts_once_as_checking(tmp_path: Path, sshd_server) -> None:
    settings, _ = sshd_settings(sshd_server, {"web-1": "web", "web-2": "web"})
    app = build_app(settings, tmp_path / "incidents", check_reach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot, hosts=2)
        said = str(picker.query_one("#reach", Static).render())
        assert "SSH check (all 2): ✔ 2 up" in said, said
        with stalled(sshd_server.server):  # the hosts answer nothing while checked again
            await pilot.press("ctrl+r")
            await until(pilot, lambda: app.reach.checking == {"web-1", "web-2"})
            await pilot.pause(0.3)  # the side panel is redrawn in batches
            said = str(picker.query_one("#reach", Static).render())
            assert "… checking" in tree_lines(picker.host_tree)["web-1"]
        assert "SSH check (all 2): ✔ 0 up · … 2 checking" in said, said
        await until(pilot, lambda: not app.reach.checking, timeout=120)
