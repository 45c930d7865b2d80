"""A trigger's proposal stays in view over a dialog. Walked at 80x24 on a README fleet of
real sshd hosts: a probe's trigger proposed a rollback while the commander drove one by
hand, and the question between the strategy's waves (its probes under it) covered the
screen's `▲ PROPOSED` line: the commander said yes to the next wave without seeing what
was proposed, nor that ^t decides it."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w
from textual.containers import VerticalScroll

from console.model.loading import load_settings
from console.ui.screens.button_dialog import ButtonDialog
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.trigger import TriggerScreen
from tests.cli_fleet import Fleet
from tests.test_needed_nothing_sshd import STRATEGIES, restore_asked, restore_started
from tests.test_needed_nothing_sshd import fleet as four_hosts  # noqa: F401
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd

# Three probes per host, as a real system has: the question's table shows each.
PROBES = [
    {
        "name": "release",
        "kind": "command",
        "command": 'test "$(readlink current)" = releases/2.9.1 && echo ok || echo bad',
        "interval": 0.5,
    },
    {"name": "link", "kind": "command", "command": "test -L current && echo ok", "interval": 0.5},
    {"name": "shell", "kind": "command", "command": "echo ok", "interval": 0.5},
]
TRIGGERS = {
    "triggers": [
        {
            "name": "bad-release",
            "kind": "error-threshold",
            "system": "app",
            "probe": "release",
            "consecutive": 1,
            "policy": "propose",
        }
    ]
}


@pytest.fixture
def watched(four_hosts: Fleet) -> Fleet:  # noqa: F811
    """The fleet of four, its rollback in waves of two that ask, its probes watched and
    one of them proposing a rollback while the hosts are on the bad release."""
    [strategy] = STRATEGIES["strategies"]
    waves = {"strategies": [{**strategy, "waves": {"size": 2, "confirm": True}}]}
    (four_hosts.config / "strategies.toml").write_text(tomli_w.dumps(waves))
    inventory = tomllib.loads((four_hosts.config / "inventory.toml").read_text())
    inventory["systems"][0]["probes"] = PROBES
    (four_hosts.config / "inventory.toml").write_text(tomli_w.dumps(inventory))
    (four_hosts.config / "triggers.toml").write_text(tomli_w.dumps(TRIGGERS))
    return four_hosts


def screen_lines(app) -> list[str]:
    """What the terminal shows: the dialog over the screen beneath it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_the_question_between_waves_shows_the_proposal_waiting(watched, tmp_path):
    app = build_app(load_settings(watched.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.live.proposal is not None, 30)
        # Declared by hand: the proposal still waits for a decision.
        conductor = await restore_started(pilot)
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 30)
        await pilot.pause(0.3)

        lines = screen_lines(app)
        shown = "\n".join(lines)
        assert any("Start wave 2 of 2 (2 hosts: app-3, app-4)?" in line for line in lines), shown
        proposed = [line for line in lines if "▲ PROPOSED" in line]
        said = "^t decides · Critical error threshold exceeded: app/release"
        assert proposed and all(said in line for line in proposed), shown
        # its keys' line too: the proposal's line takes no row of the dialog's
        assert any("Enter or Esc: Stop here · y: Start wave 2" in line for line in lines), shown
        await pilot.press("y")
        await until(pilot, lambda: conductor.state.step("restore").status.finished, 30)
        assert len(proposed) == 1, shown  # the screen's own line hidden under the dialog's


async def test_a_short_dialog_shows_the_proposal_once(watched, tmp_path):
    """Walked at 80x24 with a proposal waiting: ^q on the declaration (a dialog of a few
    lines, the screen's own `▲ PROPOSED` line not covered) showed the line twice, the
    dialog's on row 0 and the screen's on row 1; once the dialog is gone, the screen's
    is back."""
    app = build_app(load_settings(watched.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.live.proposal is not None, 30)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        await pilot.pause(0.2)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ButtonDialog))
        await pilot.pause(0.3)
        lines = screen_lines(app)
        shown = "\n".join(lines)
        assert any("Quit?" in line for line in lines), shown
        assert [i for i, line in enumerate(lines) if "▲ PROPOSED" in line] == [0], shown
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        await pilot.pause(0.3)
        lines = screen_lines(app)
        assert len([line for line in lines if "▲ PROPOSED" in line]) == 1, "\n".join(lines)


async def test_the_run_confirmation_keeps_its_rows_under_the_proposal(watched, tmp_path):
    """The proposal's line sits on the top row, which a dialog leaves free, on a layer of
    its own: the run's confirmation keeps the 13 rows of its text at 80x24, and its keys."""
    app = build_app(load_settings(watched.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.live.proposal is not None, 30)
        await restore_asked(pilot)
        screen = app.screen
        await until(pilot, lambda: screen.said_below)
        lines = screen_lines(app)
        shown = "\n".join(lines)
        assert "▲ PROPOSED" in lines[0], shown
        assert screen.query_one("#run-commands", VerticalScroll).size.height == 13, shown
        assert any("Enter or esc: Cancel · y: Run on 4 host(s)" in line for line in lines), shown
        await pilot.press("escape")
