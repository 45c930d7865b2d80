"""The incident bar says the incident's own events as they are journalled, not at its
next second. Seen at 80x24 on 3 sshd hosts: a drill's bar read 'Immediate actions │
awaits its trigger from the probes' over its running restore, for up to a second after
the trigger was declared and the step had started."""

from __future__ import annotations

from pathlib import Path

from console.ui.widgets.incident_bar import IncidentBar
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    until,
)


async def test_the_bar_says_the_next_phase_as_the_step_before_it_ends(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        bar = app.screen.query_one(IncidentBar)
        assert "Immediate actions" in bar.render().plain
        bar.ticking.pause()  # its second: only the events may move it now
        conductor = app.conductor
        for step in ("open-bridge", "stop-traffic-shift", "capture-evidence"):
            conductor.skip(step, "done on the bridge")
        app.flush_events()
        await until(pilot, lambda: "Rollback execution" in shown(app)[0], 5)


def shown(app) -> list[str]:
    """What the terminal shows (the widgets' painted lines, not a render made now)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
