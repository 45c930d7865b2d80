"""'Rolled back and verified' needs the stability check done after the rollback last changed
the hosts. Seen at 80x24 on three real sshd hosts: toggle-off, stability check passed, then
the undo, the toggle-off again, a re-enable to 100 % and a toggle-off killed in its restart
(verified by V): the close dialog offered 'Rolled back and verified · Nothing more is
needed: the record shows it', the check having read hosts as they were 20 minutes and five
runs before. Now refused, naming the check and the step that ran since; a check run again
after it lets the close through."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Label, OptionList, RadioSet, Static

from console.engine.conductor import ProcedureError
from console.model.clock import FixedClock
from console.model.loading import load_settings
from console.model.outcome import Outcome
from console.ui.follow import make_follow_app
from console.ui.screens.close import CloseDialog
from tests.cli_fleet import Fleet, flag_fleet, flag_incident
from tests.test_ui_support import START, _close_engines, build_app, until  # noqa: F401

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "off",
            "kind": "feature-toggle-off",
            "preset": "file",
            "params": [
                {"name": "flags", "default": "new_checkout"},
                {"name": "flags_file", "default": "flags"},
            ],
        }
    ]
}
PROCEDURE = {
    "name": "Flag rollback",
    "phases": [
        {"phase": "immediate", "steps": [{"id": "bridge", "title": "Bridge", "kind": "manual"}]},
        {
            "phase": "execution",
            "steps": [
                {"id": "restore", "title": "Restore", "kind": "strategy"},
                {
                    "id": "verify",
                    "title": "Verify stability",
                    "kind": "probe",
                    "soak": {"samples": 1, "max_samples": 2, "interval": 0.2},
                },
            ],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Doc", "kind": "form", "fields": ["reason"]}],
        },
    ],
}
PROBE = {"name": "health", "title": "Health", "kind": "command", "command": "echo ok"}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    return flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=100\n", [PROBE])


async def test_verified_needs_the_check_after_the_last_run(fleet: Fleet) -> None:
    async with flag_incident(fleet) as conductor:
        assert await conductor.run_step("restore")
        assert await conductor.run_step("verify")
        assert conductor.unverified() == []
        assert await conductor.undo("restore")
        assert await conductor.run_step("restore")  # rolled back again: not checked since

        assert conductor.unverified() == ["Verify stability"]
        said = "“Verify stability” passed before “Restore” ran"
        assert conductor.unverified_why() == said
        with pytest.raises(ProcedureError, match=said):
            conductor.close(Outcome.ROLLED_BACK)
        assert not conductor.state.closed
        # The checklist says so beside the check (a follower's, from the journal).
        app = make_follow_app(conductor.recorder.path, FixedClock(START))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.query("#step-detail"))
            app.screen.select_step("verify")
            detail = app.screen.query_one("#step-detail", Static)
            words = "“Restore” ran at"
            await until(pilot, lambda: words in " ".join(str(detail.render()).split()))
            row = str(app.screen.query_one("#steps", OptionList).get_option("verify").prompt)
            assert row.startswith("  ↻ recheck") and "☑" not in row, row

        assert await conductor.run_step("verify")
        conductor.close(Outcome.ROLLED_BACK)
        assert conductor.state.outcome == Outcome.ROLLED_BACK.value


async def test_the_close_dialog_never_says_nothing_more_is_needed_above_a_refusal(
    fleet: Fleet, tmp_path: Path
) -> None:
    """Seen at 80x24 on a real sshd fleet: "Rolled back and verified" chosen with the
    check done before the rollback ran again, the dialog read "Nothing more is needed: the
    record shows it." and, under it, "✘ the record does not show every host rolled back
    and verified". The record's refusal is said as the outcome is chosen, in that line's
    place; Enter keeps it so, and the incident stays open."""
    async with flag_incident(fleet) as conductor:
        assert await conductor.run_step("restore")
        assert await conductor.run_step("verify")
        assert await conductor.undo("restore")
        assert await conductor.run_step("restore")
        app = build_app(load_settings(fleet.config), tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            app.attach(conductor)
            await app.push_screen("checklist")
            await pilot.press("f7")
            await until(pilot, lambda: isinstance(app.screen, CloseDialog))
            dialog = app.screen
            radios = dialog.query_one("#close-outcome", RadioSet)
            assert radios.pressed_button.name == "unverified"  # what the record suggests
            await pilot.press("up", "space")  # rolled back and verified
            await until(pilot, lambda: radios.pressed_button.name == "rolled-back")
            ask, error = dialog.query_one("#close-ask", Label), dialog.query_one("#close-error")
            for key in (None, "enter"):
                if key:
                    await pilot.press(key)
                    await pilot.pause(0.1)
                said = str(error.render())
                assert said.startswith("✘ the record does not show every host rolled back")
                assert "“Verify stability” passed before “Restore” ran" in said
                assert not ask.display, str(ask.render())
            assert not conductor.state.closed
            await pilot.press("down", "space")  # another outcome: its question is back
            await until(pilot, lambda: radios.pressed_button.name == "unverified")
            assert ask.display and str(error.render()) == ""


async def test_a_check_run_before_the_first_restore_asks_to_be_run_again(fleet: Fleet) -> None:
    """Seen at 80x24 on a real sshd fleet: Enter on the stability check ahead of its turn,
    then the restore: the checklist read "☑ done" beside the check, which had read the
    hosts before anything was rolled back, the current step moved on past it, and the
    close's reason said "ran again" of a step that had run once. The row reads
    "↻ recheck", it is the current step again, and the words say "ran"."""
    async with flag_incident(fleet) as conductor:
        conductor.confirm("bridge")
        assert await conductor.run_step("verify")
        assert await conductor.run_step("restore")
        said = "“Verify stability” passed before “Restore” ran"
        assert conductor.unverified_why() == said
        current = conductor.current()  # the checklist goes back to the check, not past it
        assert current is not None and current.id == "verify", current
        app = make_follow_app(conductor.recorder.path, FixedClock(START))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.query("#steps"))
            steps = app.screen.query_one("#steps", OptionList)
            row = lambda: str(steps.get_option("verify").prompt)  # noqa: E731
            await until(pilot, lambda: row().startswith("> ↻ recheck"))
