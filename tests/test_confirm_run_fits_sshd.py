"""The run confirmation at 80x24 on a fleet of real sshd hosts, as the commander meets it.

Seen in tmux on config/example's fleet: a command step's confirmation (`touch
deploy.lock`, two lines) stood screen-tall, seven blank rows between its commands and its
keys: the scrolling area took every row the dialog could have. Now the dialog is as tall
as what it says.

And a release named outright on hosts that were each on a release of their own made the
`Checked:` line name each of them: four rows and more before the commands, which began
below the first screen. Now that line is cut at three rows there, and said whole after
the commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.model.loading import load_settings
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.run_layout import CHECK_ROWS, CUT
from tests.cli_fleet import Fleet, chown_tree, write_fleet
from tests.test_confirm_run_fresh_sshd import PROCEDURE, STRATEGIES, shown
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd

HOSTS = tuple(f"shop-web-0{i}" for i in range(1, 7))
HALT = {"id": "halt", "title": "Halt delivery", "kind": "command", "command": "touch deploy.lock"}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    """Six hosts, five each on a release of its own (2.10.1 to 2.10.5), 2.9.1 beside it,
    the sixth on 2.9.1 already; the checklist halts the delivery (a command step) before
    the restore."""
    execution = {"phase": "execution", "steps": [HALT, *PROCEDURE["phases"][1]["steps"]]}
    procedure = {**PROCEDURE, "phases": [PROCEDURE["phases"][0], execution, PROCEDURE["phases"][2]]}
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["version-rollback"], probes=[], hosts=HOSTS
    )
    for number, sandbox in enumerate(fleet.sandboxes.values(), start=1):
        for version in ("2.9.1", f"2.10.{number}"):
            (sandbox / "releases" / version).mkdir(parents=True)
        (sandbox / "current").symlink_to(f"releases/2.{'9.1' if number == 6 else f'10.{number}'}")
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_a_command_steps_confirmation_is_as_tall_as_what_it_says(fleet, tmp_path):
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.conductor.confirm("bridge")
        app.start_run("halt")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm), 30)
        screen = app.screen
        await until(pilot, lambda: screen.said_below)
        area = screen.query_one("#run-commands", VerticalScroll)
        assert area.max_scroll_y == 0 and area.size.height == area.virtual_size.height
        lines = screen_lines(app)
        sent = next(i for i, ln in enumerate(lines) if "$ touch deploy.lock" in ln)
        recorded = next(i for i, ln in enumerate(lines) if "Your name goes into the" in ln)
        # one blank row under the text, as under every dialog's text (on main: seven)
        assert recorded - sent == 2, "\n".join(lines)
        hint = next(i for i, ln in enumerate(lines) if "Enter or esc: Cancel" in ln)
        assert "▄▄▄▄▄▄" in lines[hint + 1], "\n".join(lines)  # the dialog's foot, under it
        await pilot.press("escape")


async def test_a_long_checked_line_leaves_the_commands_on_the_first_screen(fleet, tmp_path):
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        conductor.confirm("bridge")
        assert await conductor.run_step("halt")
        conductor.choose_strategy("version-rollback", {"target": "2.9.1"})
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm), 60)
        screen = app.screen
        await until(pilot, lambda: screen._width > 0 and "below" in shown(screen)[2])
        lines, height, _ = shown(screen)
        first = lines[:height]  # what the commander sees before any key
        checked = next(i for i, ln in enumerate(first) if ln.startswith("Checked: "))
        sends = next(i for i, ln in enumerate(first) if ln.startswith("It sends"))
        with_ = next(i for i, ln in enumerate(first) if ln.startswith("With (5): "))
        cut = first[checked:with_]  # on main: 5 rows, the commands below the first screen
        assert len(cut) == CHECK_ROWS and cut[-1].endswith(CUT.strip()), first
        assert any(ln.startswith("    $ ") for ln in first[sends:]), first  # the commands
        # said whole further below, every host's release in it
        text = " ".join(" ".join(lines).split())
        whole = (
            "Checked: target=2.9.1 is there on every host (shop-web-01: release 2.10.1 to"
            " 2.9.1; shop-web-02: release 2.10.2 to 2.9.1;"
        )
        assert whole in text and "nothing to do, refused at their precheck: shop-web-06" in text
        assert text.rindex(whole) > text.index("It sends")
        below = str(screen.query_one("#run-below", Static).render())
        assert "Checked" in below, below
        await pilot.press("escape")
