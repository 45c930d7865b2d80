"""The checklist's detail of a failed step says how its hosts failed, kind by kind, as the
execution grid and the document do. Walked on 120 sshd hosts at 80x24: a step whose 117
hosts exited non-zero and one refused the connection read '✘ failed: h0004, h0005, h0006
(+115 more)', the refused host counted with the others, nothing said of either kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from console.model.loading import load_settings
from console.model.state import StepStatus
from tests.test_execution_lines_sshd import _config, _restore
from tests.test_execution_problems_sshd import _refusing
from tests.test_ui_support import _close_engines, _no_cursor_blink, build_app, until  # noqa: F401

pytestmark = pytest.mark.sshd


async def test_a_failed_steps_detail_groups_its_hosts_by_how_they_failed(
    sshd_server, tmp_path: Path
) -> None:
    config, _ = _config(sshd_server, tmp_path, commands={"action": "exit 3", "verify": "true"})
    _refusing(config, "app-03")  # 12 hosts: 11 exit non-zero, app-03 refuses
    app = build_app(load_settings(config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await _restore(pilot)
        state = app.conductor.state
        await until(pilot, lambda: state.step("restore").status is StepStatus.FAILED, 60)
        await app.push_screen("checklist")
        await until(pilot, lambda: app.screen.query("#step-detail"))
        app.screen.select_step("restore")
        detail = app.screen.query_one("#step-detail", Static)
        said = "11 non-zero exit (app-01, app-02, app-04 +8 more), 1 connection refused (app-03)"
        await until(pilot, lambda: said in " ".join(str(detail.render()).split()))
        lines = [s.text for s in app.screen._compositor.render_strips()]
    assert any(line.lstrip().startswith("✘ failed: 11 non-zero exit (app-01,") for line in lines)
    assert all(len(line.rstrip()) <= 80 for line in lines)
