"""Live probes and automatic triggers on the demo fleet: the probe table, propose, auto."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input, RadioSet, Static

from console.demo.fleet import DemoFleet
from console.model.settings import Settings
from console.ui.app import make_app
from console.ui.screens.home import HomeScreen
from console.ui.screens.picker import PickerScreen
from console.ui.screens.trigger import TriggerScreen
from console.ui.widgets.probe_table import ProbeTable
from tests.test_drill_clock_step_sshd import SteppedClock
from tests.test_ui_live_support import only_triggers
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    build_engine,
    demo_settings,
    type_text,
    until,
    until_shown,
)


def _cell(table: ProbeTable, key: str, column: str) -> str:
    return str(table.get_cell(key, column))


async def test_probe_table_shows_web_error_rate_bad_and_firing(tmp_path: Path) -> None:
    settings = only_triggers(demo_settings(), web_errors={})
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents", sample_probes=True)
        async with app.run_test(size=(80, 24)) as pilot:
            reading = app.live.watcher.readings["web/error-rate"]
            await until(pilot, lambda: reading.state == "firing")
            assert len(reading.history) <= 5  # within a few samples of start
            await pilot.pause(0.2)
            table = app.screen.query_one("#probes", ProbeTable)
            assert _cell(table, "web/error-rate", "State").strip() == "▲ firing"
            assert _cell(table, "web/error-rate", "Value") == "0.31"
            assert _cell(table, "web/error-rate", "Threshold") == "> 0.05"
            assert _cell(table, "web/error-rate", "Streak") == "3/3"
            assert _cell(table, "db/rollback-target", "State").strip() == "✔ healthy"
            # A title cut to the Probe column says so, and is whole under the table (it was
            # 'Rollback targ…', the whole title nowhere at 80x24).
            assert _cell(table, "db/rollback-target", "Probe") == "Rollback targ…"
            cuts = app.screen.query_one("#probe-cuts", Static)
            assert str(cuts.render()) == "Rollback targ… is “Rollback target release intact” (db)"
            assert cuts.region.bottom <= 24 and cuts.region.width  # in view, at 80x24
            alert = str(app.screen.query_one("#alert", Static).render())
            assert "TRIGGER FIRED" in alert and "web/error-rate = 0.31" in alert


async def test_propose_prefills_the_trigger_screen_with_its_evidence(tmp_path: Path) -> None:
    settings = only_triggers(demo_settings(), web_errors={"policy": "propose"})
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents", sample_probes=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.live.proposal is not None)
            assert app.conductor is None  # propose waits for the commander
            await pilot.press("p")
            await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            screen = app.screen
            pressed = screen.query_one("#manual-triggers", RadioSet).pressed_button
            assert pressed is not None and pressed.name == "automatic"
            summary = str(screen.query_one("#auto-summary", Static).render())
            assert "Proposed" in summary and summary.count("web/error-rate = 0.31") == 2
            assert "The latest of 3 samples" in summary  # at 80x24; every one when wider
            line = str(screen.query_one("#auto-error-threshold").render())
            assert line.startswith("▲ firing")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, PickerScreen))
            assert app.screen.host_tree.selected == {"web-1", "web-2", "web-3"}
            assert app.conductor is None  # nothing is recorded before the picker goes on
            await pilot.press("enter")
            await until(
                pilot, lambda: app.conductor is not None and bool(app.conductor.state.hosts)
            )
            state = app.conductor.state
            assert state.trigger.kind == "error-threshold" and state.trigger.automatic
            assert len(state.trigger.evidence) == 3
            assert [f["trigger"] for f in state.firings][:1] == ["web-errors"]
            assert app.live.proposal is None  # taken up


async def test_the_proposal_follows_the_precedence_and_the_others_are_evidence(
    tmp_path: Path,
) -> None:
    """Errors and latency both fire on web: error threshold outranks performance
    degradation whichever fired last; declaring it journals both, latency as evidence."""
    settings = only_triggers(demo_settings(), web_errors={}, web_latency={})
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents", sample_probes=True)
        async with app.run_test(size=(80, 24)) as pilot:
            watcher = app.live.watcher
            await until(pilot, lambda: len(watcher.firing_now()) == 2)
            await until(pilot, lambda: app.live.proposal is not None)
            assert app.live.proposal.firing.trigger.name == "web-errors"
            await pilot.press("p")
            await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            reason = app.screen.query_one("#reason", Input).value
            assert reason.endswith(
                "also firing: Performance degradation beyond limits (web-latency)"
            )
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("enter")
            await until(
                pilot, lambda: app.conductor is not None and bool(app.conductor.state.hosts)
            )
            state = app.conductor.state
            assert state.trigger.kind == "error-threshold" and state.trigger.reason == reason
            probes = [sample["probe"] for sample in state.trigger.evidence]
            assert probes == ["web/error-rate"] * 3 + ["web/p99-latency"] * 3
            assert {f["trigger"] for f in state.firings} == {"web-errors", "web-latency"}


async def test_auto_countdown_is_cancelled_with_a_reason(tmp_path: Path) -> None:
    settings = only_triggers(
        demo_settings(), web_errors={"policy": "auto", "countdown_seconds": 3600}
    )
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents", sample_probes=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.live.countdown is not None)
            alert = await until_shown(pilot, "#alert", "AUTOMATIC ROLLBACK IN")
            assert "x cancels it" in alert
            await pilot.press("x")
            await pilot.press("enter")  # an empty reason is refused
            assert "cannot be empty" in str(app.screen.query_one("#prompt-error").render())
            await type_text(pilot, "known load test")
            await pilot.press("enter")
            await until(pilot, lambda: app.live.countdown is None)
            assert isinstance(app.screen, HomeScreen)
            assert app.conductor is None  # no open incident is left behind
            [record] = app.engine.incidents()
            assert record.outcome == "dismissed"
            assert record.outcome_label == "dismissed: known load test"
            await pilot.pause(0.2)
            assert not app.screen.query_one("#alert").display


async def test_a_countdown_held_while_its_cancel_reason_is_typed_is_dismissed(
    tmp_path: Path,
) -> None:
    """Walked on the demo at 80x24 (breach on api-1): x, the reason typed while the
    countdown's deadline passed (held for the person at the keys: a proposal now), Enter:
    'Not cancelled: no countdown is running', the reason lost and the firing still
    proposed. The same with ^t pressed in the prompt (it holds the countdown to decide),
    then Esc. The proposal it became is dismissed with the reason typed."""
    settings = only_triggers(
        demo_settings(), web_errors={"policy": "auto", "countdown_seconds": 3600}
    )
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents", sample_probes=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.live.countdown is not None)
            await pilot.press("x")
            await until(pilot, lambda: bool(app.screen.query("#prompt-error")))
            await pilot.press("ctrl+t")  # held to decide: a proposal, its dialog over the prompt
            await until(pilot, lambda: app.live.countdown is None and app.live.proposal)
            await pilot.press("escape")  # back to the reason
            await until(pilot, lambda: bool(app.screen.query("#prompt-error")))
            await type_text(pilot, "known load test")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await until(pilot, lambda: bool(app.engine.incidents()))
            [record] = app.engine.incidents()
            assert record.outcome_label == "dismissed: known load test"
            assert app.live.proposal is None and app.conductor is None


async def test_an_auto_trigger_never_takes_over_a_person_declaring(tmp_path: Path) -> None:
    """Firing while the commander is on the trigger screen: a proposal, no countdown,
    and what they typed and chose stays theirs."""
    settings = only_triggers(demo_settings(), web_errors={"policy": "auto", "countdown_seconds": 1})
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents", sample_probes=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            await pilot.press("down", "enter")
            await type_text(pilot, "checkout errors")
            await until(pilot, lambda: app.live.proposal is not None)
            await pilot.pause(1.5)  # longer than the countdown would have been
            assert app.live.countdown is None and app.conductor is None
            assert isinstance(app.screen, TriggerScreen)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("space", "enter")
            await until(pilot, lambda: app.conductor is not None)
            trigger = app.conductor.state.trigger
            assert trigger.kind == "user-impact" and not trigger.automatic
            assert trigger.reason == "checkout errors"


async def test_an_auto_countdown_counts_down_whatever_the_wall_clock_does(tmp_path: Path) -> None:
    """NTP stepped the wall clock forward two hours while an hour's countdown ran: the
    banner read 'AUTOMATIC ROLLBACK IN 0 s', with the hour still to run (stepped back,
    it would say hours more than are left). It counts on the monotonic clock."""
    settings = only_triggers(
        demo_settings(), web_errors={"policy": "auto", "countdown_seconds": 3600}
    )
    clock = SteppedClock()
    async with DemoFleet(settings) as fleet:
        engine = build_engine(fleet.settings, tmp_path / "incidents")
        app = make_app(fleet.settings, engine, clock, check_reach=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.live.countdown is not None)
            await until_shown(pilot, "#alert", "AUTOMATIC ROLLBACK IN 3")
            clock.step = timedelta(hours=2)
            await pilot.pause(0.6)  # the banner is drawn again each 0.5 s
            alert = await until_shown(pilot, "#alert", "AUTOMATIC ROLLBACK IN")
    left = int(alert.split("AUTOMATIC ROLLBACK IN ")[1].split(" s")[0])
    assert 600 < left <= 3600, alert  # of the hour, not 0 (no bound on the test's time)


async def test_every_cut_title_is_whole_under_the_table_at_80x24(tmp_path: Path) -> None:
    """Two titles cut read 'Checkout erro… is “Checkout error rate” (web) · nginx workers…
    is “nginx w' at 80x24 (helper-231's fleet): the line meant to give each title whole
    was itself cut. It wraps."""
    data = demo_settings().dumped()
    for system in data["inventory"]["systems"]:
        for probe in system["probes"]:
            if probe["name"] == "error-rate" and system["name"] == "web":
                probe["title"] = "Checkout error rate of the storefront"
    app = build_app(Settings.validated(data), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cuts = app.screen.query_one("#probe-cuts", Static)
        said = str(cuts.render())
        assert said.endswith("is “Rollback target release intact” (db)"), said
        assert cuts.region.height >= 2 and cuts.region.right <= 80, cuts.region
