"""A procedure step that names its own strategy (`strategy = "reenable"` in procedure.toml)
beside the incident's chosen one, on real sshd at 80x24. Walked on a README fleet: the
confirmation of a gradual re-enable step said `With (4): target=previous, current=...`
(the chosen version rollback's parameters) and `Stages: 100%` while the hosts got 10, 50
and 100 %; a config restore's step named `revision=previous` and no more (helper 215), its
`previous` asked of no host, each host's precheck resolving it alone; the question between stages said `Stage 1 of 3 (?)`, and once it had run, the
execution screen counted its stages as runs (`Waves run 3`, `Earlier run 1 ...`), and the
document's summary named only the chosen strategy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Label, OptionList, Static

from console.journal.export.document import build_document
from console.journal.export.markdown import render_markdown
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.status_summary import status_line
from console.ui.app import RollbackApp
from console.ui.screens.close import CloseDialog
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.execution import ExecutionScreen
from console.ui.screens.step_detail import step_detail
from console.ui.widgets.toggles import MarkedRadioButton
from tests.cli_fleet import FLAG_PARAMS, FLAG_PROCEDURE, Fleet, flag_fleet, flag_incident
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    run_confirm_about,
    until,
)

pytestmark = pytest.mark.sshd

CHECK = {"name": "check", "default": "true"}
STRATEGIES = {
    "strategies": [
        {
            "name": "off",
            "kind": "feature-toggle-off",
            "preset": "file",
            "params": [*FLAG_PARAMS, CHECK],
        },
        {
            "name": "reenable",
            "kind": "feature-reenable",
            "preset": "file",
            "waves": {"confirm": True},
            "params": [*FLAG_PARAMS, CHECK, {"name": "steps", "default": "10,50,100"}],
        },
        {"name": "rel", "kind": "version-rollback"},
    ]
}
PROCEDURE = {
    **FLAG_PROCEDURE,
    "phases": [
        FLAG_PROCEDURE["phases"][0],
        {
            "phase": "execution",
            "steps": [
                {"id": "restore", "title": "Restore", "kind": "strategy"},
                {"id": "back", "title": "Back on", "kind": "strategy", "strategy": "reenable"},
                {"id": "rel", "title": "Release", "kind": "strategy", "strategy": "rel"},
            ],
        },
        FLAG_PROCEDURE["phases"][2],
    ],
}


def _fleet_and_app(sshd_server, tmp_path: Path) -> tuple[Fleet, RollbackApp]:
    """Two hosts whose new_checkout is off, and the console on them."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    strategies = ["off", "reenable", "rel"]
    fleet = flag_fleet(sshd_server, tmp_path, files, strategies, "new_checkout=0\n")
    return fleet, build_app(load_settings(fleet.config), tmp_path / "incidents")


async def _question(pilot, app) -> str:
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
    return " ".join(str(app.screen.query_one(".dialog-text", Static).render()).split())


async def test_a_step_naming_its_strategy_says_its_own_parameters_and_stages(
    sshd_server, tmp_path: Path
) -> None:
    fleet, app = _fleet_and_app(sshd_server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.conductor.choose_strategy("off")
        shown = step_detail(app, app.screen.incident, app.conductor.step("back"), Text(""))
        detail = " ".join(shown.plain.split())
        b_offered = {}  # b chooses the incident's strategy: no way to change this step's
        steps = app.screen.query_one("#steps", OptionList)
        for step in ("restore", "back"):
            steps.highlighted = steps.get_option_index(step)
            b_offered[step] = app.screen.check_action("other_strategy", ()) is not False
        app.start_run("rel")  # its `previous` is each host's precheck's: said, never asked
        release = await run_confirm_about(pilot)
        await pilot.press("escape")
        app.start_run("back")
        about = await run_confirm_about(pilot)
        await pilot.press("y")
        first = await _question(pilot, app)
        await pilot.press("y")
        second = await _question(pilot, app)
        await pilot.press("y")
        await until(pilot, lambda: "back" not in app.conductor.running, 60)
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.pause(0.2)
        waves = " ".join(str(app.screen.query_one("#exec-waves", Static).render()).split())
        b_offered["back, run"] = app.screen.check_action("other_strategy", ()) is not False
        ran = app.conductor.state.step("back").ran_strategy
        document = render_markdown(app.conductor.recorder.events)
        update = status_line(app.conductor.state)  # a status update's {{summary}}
    assert "Not resolved: target=previous is not asked of the hosts first" in release, release
    assert b_offered == {"restore": True, "back": False, "back, run": False}, b_offered
    assert "Strategy: reenable (flags=new_checkout, flags_file=flags" in detail, detail
    assert "steps=10,50,100" in detail, detail
    assert "Stages: 10%, 50%, 100%, each checked" in about, about
    assert "steps=10,50,100" in about and "target" not in about, about
    assert "Stage 1 of 3 (10%)" in first and "Start stage 2 of 3 (50%): 2 hosts" in first, first
    assert "held at 10%" in first, first
    assert "Start stage 3 of 3 (100%): 2 hosts from 50% to 100%, the last stage?" in second, second
    assert ran == "reenable"
    assert waves.startswith("Stages ✔ 1/3 10% · ✔ 2/3 50% · ✔ 3/3 100%"), waves
    assert set(fleet.written("flags").values()) == {"new_checkout=100\n"}
    # The next morning: the summary says what that step ran, besides the chosen strategy.
    summary = " ".join(document.split("## Summary", 1)[1].split("|", 1)[0].split())
    assert "“Back on” ran reenable on 2 hosts (2 succeeded)" in summary, summary
    assert "The off strategy was chosen for 2 hosts; it ran on none." in summary, summary
    assert "; app by off (steps of their own: reenable): 2 hosts succeeded" in update, update


async def test_the_close_of_a_re_enable_offers_re_enabled(sshd_server, tmp_path: Path) -> None:
    """The close dialog of an incident whose strategy is a gradual re-enable offers what
    it did: 'Re-enabled and verified', 'Partially re-enabled', never 'Rolled back'."""
    _, app = _fleet_and_app(sshd_server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.conductor.choose_strategy("reenable")
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))
        offered = [str(b.label) for b in app.screen.query(MarkedRadioButton)]
        await pilot.press("down", "down", "space")  # partially: it asks for the hosts
        await pilot.pause(0.1)
        asked = str(app.screen.query_one("#close-ask", Label).render())
    assert offered[:3] == [
        "Re-enabled and verified",
        "Re-enabled, not verified",
        "Partially re-enabled",
    ], offered
    assert asked.startswith("Hosts NOT re-enabled (comma-separated)"), asked


async def test_the_time_to_mitigate_ends_with_the_incidents_own_strategy(
    sshd_server, tmp_path: Path
) -> None:
    """The flag off by the incident's strategy, then turned back on by a step naming its
    own: walked on a README fleet, the document's 'Restored' (and so its time to mitigate)
    was the end of the re-enable, human waits between stages included, where the service
    was restored once the incident's own strategy had run."""
    quick = {**STRATEGIES["strategies"][1], "name": "reenable-now", "waves": {}}
    files = {
        "strategies.toml": {"strategies": [*STRATEGIES["strategies"], quick]},
        "procedure.toml": json.loads(json.dumps(PROCEDURE).replace('"reenable"', '"reenable-now"')),
    }
    fleet = flag_fleet(sshd_server, tmp_path, files, ["off", "reenable-now"], "new_checkout=100\n")
    async with flag_incident(fleet, "off") as conductor:
        assert await conductor.run_step("restore")
        assert await conductor.run_step("back")
        events = list(conductor.recorder.events)
    ended = {e.where.step: e.ts for e in events if e.kind == Kind.STEP_COMPLETED and e.where.step}
    milestones = build_document(events).milestones
    [restored] = [m for m in milestones.milestones if m.name == "restored"]
    assert restored.at == ended["restore"] != ended["back"], (restored, ended)
    assert set(fleet.written("flags").values()) == {"new_checkout=100\n"}
