"""A walk that stopped at a step its prechecks refused on every host (nothing to do there:
another incident rolled those hosts back) closes the same way in the console as headless:
the close dialog offers and preselects "refused" with the reason `run` records; the home
list and the document read it. Some refused and the others rolled back is no stop: the
step is done (tests/test_needed_nothing_sshd.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, RadioSet

from console.demo.fleet import DemoFleet
from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.journal.export.markdown import render_markdown
from console.model.outcome import Outcome, outcome_label
from console.model.settings import Settings
from console.model.state import HostStatus, StepStatus
from console.model.triggers import TriggerKind
from console.ui.screens.close import CloseDialog
from console.ui.screens.confirm_run import RunConfirm
from tests.events_factory import recorder_in
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    until,
)

REFUSAL = "already restored to config revision r42: name the revision to go further back"


async def restored_by_a_first_incident(settings: Settings, tmp_path: Path, hosts: list[str]):
    """A first incident restores the demo config on `hosts` of web (r43 -> r42)."""
    conductor = Conductor(
        settings, recorder_in(tmp_path / "inc-one"), SshPool(settings.inventory.ssh)
    )
    try:
        conductor.open_incident("first", "inc-one")
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "bad config")
        conductor.select(["web"], hosts)
        conductor.choose_strategy("config-restore", {})
        assert await conductor.run_step("restore")
    finally:
        await conductor.shutdown()
        conductor.recorder.close()


@pytest.mark.parametrize(
    ("first", "said"),
    [(["web-1", "web-2", "web-3"], "refused at the precheck on 3 hosts, nothing changed")],
    ids=["all-refused"],  # some refused, the others rolled back: done (test_needed_nothing)
)
async def test_the_close_offers_refused_with_the_reason_run_records(tmp_path, first, said):
    async with DemoFleet(demo_settings()) as fleet:
        await restored_by_a_first_incident(fleet.settings, tmp_path, first)
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            conductor = app.conductor
            conductor.confirm("open-bridge")
            conductor.choose_strategy("config-restore")
            app.start_run("restore")
            await until(pilot, lambda: isinstance(app.screen, RunConfirm))
            await pilot.press("y")
            await until(pilot, lambda: conductor.state.step("restore").status is StepStatus.REFUSED)
            st = conductor.state.step("restore")
            assert st.status is StepStatus.REFUSED
            refused = sorted(h for h, r in st.hosts.items() if r.status is HostStatus.REFUSED)
            assert refused == first

            app.lifecycle.offer_close()
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, CloseDialog) and bool(app.screen.query("#close-detail"))
                ),
            )
            await pilot.pause(0.1)
            why = conductor.refused_why()
            assert why.startswith("“Restore previous version” " + said), why
            assert REFUSAL in why
            assert ("2 succeeded" in why) is (len(first) == 1)  # the others, as they are
            radios = app.screen.query_one("#close-outcome", RadioSet)
            assert radios.pressed_button.name == Outcome.REFUSED.value
            assert str(radios.pressed_button.label) == "Refused at the precheck (nothing to do)"
            assert app.screen.query_one("#close-detail", Input).value == why
            await pilot.press("enter")
            await until(pilot, lambda: conductor.state.closed)

            # What headless `run` records of the same walk: the same outcome and label.
            assert conductor.state.outcome == Outcome.REFUSED
            assert conductor.state.outcome_label == outcome_label(Outcome.REFUSED, why)
            document = render_markdown(conductor.recorder.events)
            assert f"Outcome: refused: {why}" in " ".join(document.split())
            sent = f"3 hosts sent → {3 - len(first)} succeeded, {len(first)} refused in"
            assert sent.replace("0 succeeded, ", "") in document  # not "failed: non-zero exit"
            assert "failed" not in document.split("## Timeline")[1].split("## ")[0]
