"""Another strategy chosen (b) after the restore step ran, and not run: the record and the
checklist still say which strategy the hosts got. Seen on three real sshd hosts: a
toggle-off ran, a re-enable was chosen and never run, the incident closed; the document
read 'The checkout-reenable strategy ran on 3 hosts (3 succeeded)' and '| Strategy |
checkout-reenable |' (the flags were off, not re-enabled), and the checklist read '☑ done
· Result: 3 succeeded · Strategy: checkout-reenable'."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Static

from console.engine.session import Engine
from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.loading import load_settings
from console.model.outcome import Outcome
from console.model.triggers import TriggerKind
from console.ui.follow import make_follow_app
from tests.cli_fleet import Fleet, write_fleet
from tests.test_resume_held_stage import PROCEDURE, STRATEGIES
from tests.test_ui_support import START, _close_engines, until  # noqa: F401

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    strategies = ["off", "off-slow", "reenable"]
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=strategies, probes=[])
    for sandbox in fleet.sandboxes.values():
        (sandbox / "flags").write_text("new_checkout=100\n")
        os.chown(sandbox / "flags", sshd_server.account.uid, sshd_server.account.gid)
    return fleet


async def test_the_strategy_that_ran_is_named_not_the_one_chosen_since(fleet: Fleet) -> None:
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.new_incident("flags", incident_id="inc", systems=["app"])
    try:
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout broken")
        conductor.select(["app"])
        conductor.choose_strategy("off", {})
        assert await conductor.run_step("restore")
        conductor.choose_strategy("reenable", {})  # b: chosen, never run
        conductor.close(Outcome.UNVERIFIED, reason="checked by hand")
    finally:
        await engine.close()
        conductor.recorder.close()
    assert set(fleet.written("flags").values()) == {"new_checkout=0\n"}
    journal = fleet.state / "incidents" / "inc" / "journal.jsonl"
    document = EXPORT_FORMATS["markdown"].render(read_journal(journal).events, False)
    assert "The off strategy ran on 2 hosts (2 succeeded)" in document
    assert "| Strategy | off |" in document
    assert "reenable strategy ran" not in document

    app = make_follow_app(journal, FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query("#step-detail"))
        app.screen.select_step("restore")
        detail = app.screen.query_one("#step-detail", Static)

        def said() -> str:
            return " ".join(str(detail.render()).split())

        await until(pilot, lambda: "Ran: off · chosen since, not run yet: reenable" in said())
