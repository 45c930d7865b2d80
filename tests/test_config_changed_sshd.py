"""A console keeps the configuration it started with, and says so where a step is
confirmed once a file changed since. Seen: a teammate set strategies.toml's restart to
`sleep 20` while a console was open; its confirmation showed the old command, ran it, and
nothing said that the file now said otherwise. Real sshd host, Pilot at 80x24."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import tomli_w
from textual.widgets import Static

from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.screens.confirm_run import RunConfirm
from tests.cli_fleet import Fleet, checklist, flag_incident, write_fleet
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd


def _strategies(restart: str) -> dict:
    """A strategy whose action runs its `restart` parameter and keeps what it printed."""
    flip = {
        "name": "flip",
        "kind": "custom",
        "params": [{"name": "restart", "default": restart}],
        "commands": {"action": "sh -c {{restart}} > said", "verify": "test -s said"},
    }
    return {"strategies": [flip]}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {
        "strategies.toml": _strategies("echo old"),
        "procedure.toml": checklist({"id": "restore", "title": "Restore", "kind": "strategy"}),
    }
    return write_fleet(
        sshd_server, tmp_path, files, strategies=["flip"], probes=[], hosts=["app-1"]
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


async def test_a_changed_strategies_toml_is_said_where_the_step_is_confirmed(
    fleet: Fleet, tmp_path: Path
) -> None:
    strategies = fleet.config / "strategies.toml"
    started = _sha(strategies)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with flag_incident(fleet, "flip") as conductor, app.run_test(size=(80, 24)) as pilot:
        app.attach(conductor)
        conductor.confirm("bridge")
        strategies.write_text(tomli_w.dumps(_strategies("echo new")))  # a teammate's edit
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        notice = app.screen.query_one("#run-changed", Static)
        assert str(notice.render()) == (
            "! strategies.toml changed since start: this runs what is shown."
        )
        assert notice.region.bottom <= 24 and notice.region.height == 1  # in sight, whole
        changes = str(app.screen.query_one("#run-changes", Static).render())
        assert changes == (
            "! Changed since the console started: strategies.toml"
            ' (strategies.flip.params.restart.default: "echo old" → "echo new"). To use the'
            " files as they are now: check-config, then quit (leaving the incident open) and"
            " resume it."
        )
        commands = app.screen.query_one("#run-commands .dialog-text", Static)
        shown = str(commands.render())
        assert "sh -c 'echo old' > said" in shown and "echo new" not in shown
        # The action's command in view as the dialog opens, not pushed below it by the
        # notice (seen at 80x24: a 4-line notice left 'run:' in sight, the command unseen).
        area = app.screen.query_one("#run-commands")
        lines = shown.splitlines()
        sent = next(i for i, line in enumerate(lines) if "echo old" in line)
        assert area.scroll_y == 0 and sent < area.region.height, (sent, area.region)
        await pilot.press("y")
        await until(pilot, lambda: conductor.state.step("restore").status.value == "done", 30)
        notes = [e for e in conductor.recorder.events if e.kind == Kind.NOTE_ADDED]
    assert (fleet.sandboxes["app-1"] / "said").read_text() == "old\n"  # what was shown ran
    [note] = notes
    assert note.where.step == "restore"
    assert note.data.text == (
        "run with the configuration read when the console started, as its confirmation"
        f" showed: strategies.toml sha256 {started}… (now {_sha(strategies)}…); changed since:"
        ' strategies.toml (strategies.flip.params.restart.default: "echo old" → "echo new")'
    )


async def test_what_changed_is_said_against_what_the_console_read(
    fleet: Fleet, tmp_path: Path
) -> None:
    """strategies.toml changed after the console read it, before its app was built: the
    notice compared with the files as they were when the app was built, and read '"echo
    mid" → "echo new"' above commands saying 'echo old', what runs."""
    strategies = fleet.config / "strategies.toml"
    settings = load_settings(fleet.config)
    strategies.write_text(tomli_w.dumps(_strategies("echo mid")))
    app = build_app(settings, tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        strategies.write_text(tomli_w.dumps(_strategies("echo new")))
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        said = str(app.screen.query_one("#run-changes", Static).render())
        assert '"echo old" → "echo new"' in said, said
        shown = str(app.screen.query_one("#run-commands Static", Static).render())
        assert "sh -c 'echo old' > said" in shown, shown
