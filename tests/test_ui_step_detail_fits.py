"""The checklist's step detail shows all it says at 80x24, or says there is more. Seen in
the README's tour taken at 80x24: the verify step with a note read `Holds web/error-rate,
web/p99-latency healthy 3 rounds in a row (at most 6,` on the pane's last row, `0.5 s
apart)` and `Hosts: 3 in web` cut off below it, nothing saying so (6 rows of text)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    until,
)


async def test_a_noted_probe_steps_detail_is_seen_whole_at_80x24(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.conductor.note("web back on 2.4.0, error rate normal", "verify")
        app.screen.select_step("verify")
        detail = app.screen.query_one("#step-detail", Static)
        await until(pilot, lambda: "✎ web back on 2.4.0" in str(detail.render()))
        await pilot.pause()
        said = str(detail.render()).rstrip().splitlines()
        screen = "\n".join(s.text for s in app.screen._compositor.render_strips())
        ends = (detail.max_scroll_y, detail.region.height, len(said))
    assert said[-1] == "Hosts: 3 in web", said
    # its last line on the screen, or the pane scrolls to it (a scrollbar says there is more)
    assert said[-1] in screen or (ends[0] > 0 and detail.show_vertical_scrollbar), (ends, screen)
