"""The checklist's detail of a failed step says how its hosts failed, kind by kind, as the
execution grid and the document do. Walked on 120 sshd hosts at 80x24: a step whose 117
hosts exited non-zero and one refused the connection read '✘ failed: h0004, h0005, h0006
(+115 more)', the refused host counted with the others, nothing said of either kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tests.test_execution_problems_sshd import failed_restore
from tests.test_ui_support import _close_engines, _no_cursor_blink, until  # noqa: F401

pytestmark = pytest.mark.sshd


async def test_a_failed_steps_detail_groups_its_hosts_by_how_they_failed(
    sshd_server, tmp_path: Path
) -> None:
    async with failed_restore(sshd_server, tmp_path, "exit 3") as pilot:  # app-03 refuses
        app = pilot.app
        await app.push_screen("checklist")
        await until(pilot, lambda: app.screen.query("#step-detail"))
        app.screen.select_step("restore")
        detail = app.screen.query_one("#step-detail", Static)
        said = "11 non-zero exit (app-01, app-02, app-04 +8 more), 1 connection refused (app-03)"
        await until(pilot, lambda: said in " ".join(str(detail.render()).split()))
        lines = [s.text for s in app.screen._compositor.render_strips()]
    assert any(line.lstrip().startswith("✘ failed: 11 non-zero exit (app-01,") for line in lines)
    assert all(len(line.rstrip()) <= 80 for line in lines)
