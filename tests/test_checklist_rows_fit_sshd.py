"""A checklist row is one line at 80x24, cut with `…` where its title is longer than the
list is wide; the step's detail under the list says it whole. Walked on six sshd hosts
(helper-152), a procedure written from init's example with a step "Tell the release team:
no deploys until the rollback is closed": once the list grew a scrollbar the row read
"... until the rollback is", its last word gone with nothing to say so (or, redrawn,
wrapped onto a line of its own under the step's mark, at column 0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.model.loading import load_settings
from console.ui.widgets.screen_enter import StepList
from tests import test_ui_support as ui
from tests.cli_fleet import write_fleet
from tests.test_ui_support import _close_engines, _no_cursor_blink  # noqa: F401
from tests.test_undo_cli import STRATEGIES

pytestmark = pytest.mark.sshd

LONG = "Tell the release team: no deploys until the rollback is closed"
MANUAL = [{"id": f"m{i}", "title": f"Manual step {i}", "kind": "manual"} for i in range(12)]
PROCEDURE = {
    "name": "Release rollback",
    "phases": [
        {
            "phase": "immediate",
            "steps": [{"id": "freeze", "title": LONG, "kind": "manual"}, *MANUAL],
        },
        {"phase": "execution", "steps": [{"id": "look", "title": "Look", "kind": "command",
                                          "command": "true"}]},
        {"phase": "post", "steps": [{"id": "doc", "title": "Document", "kind": "form",
                                     "fields": ["reason"]}]},
    ],
}  # fmt: skip


async def test_a_long_step_title_is_cut_on_its_row_and_said_whole_below(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["pin-release"], probes=[])
    app = ui.build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await ui.open_incident(pilot)
        steps = app.screen.query_one("#steps", StepList)
        await ui.until(pilot, lambda: steps.show_vertical_scrollbar)  # the list is taller
        await pilot.pause(0.2)
        rows = [steps.render_line(y).text for y in range(steps.size.height)]
        detail = " ".join(str(app.screen.query_one("#step-detail").render()).split())
    # Every line is a phase or a step's row: no title's tail on a line of its own.
    lines = [r for r in rows if r.strip()]
    said = "\n".join(rows)
    assert all(r.startswith("──") or (r[:2] in ("> ", "  ") and r[2] != " ") for r in lines), said
    [long_row] = [r for r in rows if "Tell the release team" in r]
    assert long_row.rstrip().endswith("…"), rows
    assert "rollback is closed" not in long_row
    assert LONG in detail, detail  # the highlighted step, whole
