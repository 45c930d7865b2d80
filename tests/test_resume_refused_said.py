"""r on one's own incident that this configuration cannot resume: its one line, the
journal named once. Seen at 80x24: 'Could not resume /tmp/.../journal.jsonl:
/tmp/.../journal.jsonl: host(s) web-1 of this incident are not in this configuration's
inventory; ...', the path said twice across four of the toast's lines; then once, still
9 lines of the toast, most of them the path: the toast names the incident by its id, and
its journal's whole path is said under the list."""

from __future__ import annotations

from pathlib import Path

from console.model.events import Kind
from tests.events_factory import recorder_in
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    build_app,
    demo_settings,
    toasts_once,
    until_shown,
)


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
        await until_shown(pilot, "#incident-custody", f"Its journal: {journal}")
    assert said == (
        "Could not resume 20261204-030000-ab12: host(s) x-1 of this incident are not in this"
        " configuration's inventory; resume it with the configuration it ran with (--config DIR)"
    )


def test_a_journal_outside_the_journal_directory_is_named_from_home() -> None:
    """A journal resumed by its path (`resume PATH`): `~` for the home directory, the file
    and its directory alike (a `follow` offered names the directory)."""
    from console.ui.refusals import shortened

    home = Path.home()
    journal = home / "saved" / "inc" / "journal.jsonl"
    said = f"{journal}: refused; rollback-console follow {journal.parent}"
    assert shortened(said, journal, home / "elsewhere") == (
        "~/saved/inc/journal.jsonl: refused; rollback-console follow ~/saved/inc"
    )
