"""Another strategy chosen (b) after the restore step ran, and not run: the record and the
checklist still say which strategy the hosts got. Seen on three real sshd hosts: a
toggle-off ran, a re-enable was chosen and never run, the incident closed; the document
read 'The checkout-reenable strategy ran on 3 hosts (3 succeeded)' and '| Strategy |
checkout-reenable |' (the flags were off, not re-enabled), and the checklist read '☑ done
· Result: 3 succeeded · Strategy: checkout-reenable'."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.outcome import Outcome
from console.ui.follow import make_follow_app
from tests.cli_fleet import FLAG_PROCEDURE, Fleet, flag_fleet, flag_incident
from tests.test_resume_held_stage import STRATEGIES
from tests.test_ui_support import START, _close_engines, until  # noqa: F401

pytestmark = pytest.mark.sshd
FLAGS = "new_checkout=100\n"


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    return flag_fleet(sshd_server, tmp_path, files, ["off", "off-slow", "reenable"], FLAGS)


async def test_the_strategy_that_ran_is_named_not_the_one_chosen_since(fleet: Fleet) -> None:
    async with flag_incident(fleet) as conductor:
        assert await conductor.run_step("restore")
        conductor.choose_strategy("reenable", {})  # b: chosen, never run
        conductor.close(Outcome.UNVERIFIED, reason="checked by hand")
    assert set(fleet.written("flags").values()) == {"new_checkout=0\n"}
    journal = fleet.state / "incidents" / "inc" / "journal.jsonl"
    document = EXPORT_FORMATS["markdown"].render(read_journal(journal).events, False)
    assert "The off strategy ran on 2 hosts (2 succeeded)" in document
    assert "| Strategy | off |" in document
    assert "reenable strategy ran" not in document

    await followed_detail(journal, "restore", "Ran: off · chosen since, not run yet: reenable")


async def followed_detail(journal: Path, step: str, says: str) -> str:
    """What a follower's checklist (80x24) says of `step`, once it says `says`."""
    app = make_follow_app(journal, FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query("#step-detail"))
        app.screen.select_step(step)
        detail = app.screen.query_one("#step-detail", Static)

        def said() -> str:
            return " ".join(str(detail.render()).split())

        await until(pilot, lambda: says in said())
        return said()


async def test_a_run_after_a_rollout_shows_its_waves_not_the_stages(fleet: Fleet) -> None:
    """Seen at 80x24: a toggle-off run on the restore step after a re-enable of it read
    'Stages ✔ 1/4 5 % · ✔ 2/4 25 % · ✔ 3/4 50 % · ✔ 4/4 100 %' on F3 (the re-enable's)
    above hosts in 'action' and 'verify'; its own line is its waves."""
    async with flag_incident(fleet) as conductor:
        assert await conductor.run_step("restore")
        conductor.choose_strategy("reenable", {})

        async def no(what: str, done: int, of: int, hosts) -> bool:
            return False  # held at 5 %

        conductor.confirm_wave = no
        await conductor.run_step("restore")
        assert conductor.state.step("restore").held is not None
        conductor.choose_strategy("off", {})
        assert await conductor.run_step("restore")
    assert set(fleet.written("flags").values()) == {"new_checkout=0\n"}
    journal = fleet.state / "incidents" / "inc" / "journal.jsonl"
    app = make_follow_app(journal, FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query("#step-detail"))
        await pilot.press("f3")
        await until(pilot, lambda: app.screen.query("#exec-waves"))
        waves = app.screen.query_one("#exec-waves", Static)
        await until(pilot, lambda: "Waves" in str(waves.render()))
        assert "Stages" not in str(waves.render())
