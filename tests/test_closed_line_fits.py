"""The checklist's line of a closed incident fits 80 columns. Walked at 80x24 on a README
fleet of 200 real sshd hosts: closed as partially rolled back, the line read ' ■ Closed:
partially rolled back; not rolled back: web-007, api-199 · ended …', and with more hosts
left the names ran past the screen's edge, how many and when it ended out of sight. The
hosts are named fewer, then counted, until it fits; the record's label keeps them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.model.events import Kind
from console.model.outcome import Outcome, outcome_label
from console.ui.widgets.one_line import OneLine
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    populated_app,
)

LEFT = [f"web-{n:03d}" for n in (7, *range(30, 42))]  # 13 hosts not rolled back


async def test_a_partial_close_with_many_hosts_left_fits_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    label = outcome_label(Outcome.PARTIAL, hosts=LEFT)
    app.prepared.recorder.record(Kind.INCIDENT_CLOSED, outcome="partial", label=label, hosts=LEFT)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        await app.push_screen("checklist")
        await pilot.pause(0.2)
        line = str(app.screen.query_one("#where-step", OneLine).render())
    assert line.startswith(
        " ■ Closed: partially rolled back; not rolled back: 13 hosts · ended "
    ), line
    assert line.endswith(" UTC") and len(line) <= 80, line
    assert label.endswith(", ".join(LEFT))  # the record names every one
