"""r on one's own incident that this configuration cannot resume: its one line, the
journal named once. Seen at 80x24: 'Could not resume /tmp/.../journal.jsonl:
/tmp/.../journal.jsonl: host(s) web-1 of this incident are not in this configuration's
inventory; ...', the path said twice across four of the toast's lines."""

from __future__ import annotations

from pathlib import Path

from console.model.events import Kind
from tests.events_factory import recorder_in
from tests.test_ui_support import _close_engines, build_app, demo_settings, toasts_once  # noqa: F401


async def test_a_host_not_in_this_inventory_is_said_once(tmp_path: Path) -> None:
    root = tmp_path / "incidents"
    recorder = recorder_in(root / "20261204-030000-ab12")
    recorder.record(Kind.INCIDENT_OPENED, incident_id="20261204-030000-ab12", title="errors")
    recorder.record(Kind.SYSTEMS_SELECTED, systems=["x"], hosts={"x-1": "x"})
    recorder.close()
    journal = recorder.path
    app = build_app(demo_settings(), root)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        [(_, said)] = await toasts_once(pilot, "Not resumed")
    assert said == (
        f"Could not resume: {journal}: host(s) x-1 of this incident are not in this"
        " configuration's inventory; resume it with the configuration it ran with (--config DIR)"
    )
