"""The footer offers what each key would do now: on the execution screen, v and r while a
host is unknown and not after it has settled, and b (another strategy) only where the
step shown is one another strategy could replace."""

from __future__ import annotations

from pathlib import Path

from console.demo.faults import Fault, FaultKind
from console.demo.fleet import DemoFleet
from console.model.state import HostStatus
from console.ui.screens.attempts import AttemptsDialog
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.execution import ExecutionScreen
from console.ui.widgets.host_grid import HostGrid
from console.ui.widgets.key_footer import KeyFooter
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    start_evidence_step,
    until,
)


def offered(app, binding_id: str) -> bool:
    """Whether the screen's binding `binding_id` is active now (the footer and F1 show it)."""
    active = app.screen.active_bindings.values()
    return any(b.id == binding_id and enabled for _node, b, enabled, _tip in active)


def shown_keys(app) -> list[str]:
    keys = app.screen.query_one(KeyFooter).query("FooterKey")
    return [f"{k.key_display} {k.description}".strip() for k in keys]


async def test_verify_and_retry_unknown_leave_the_footer_once_the_host_has_settled(
    tmp_path: Path,
) -> None:
    """Seen at the console: web-2's connection dropped mid-command (unknown), r retried it
    there and it succeeded; the footer still offered "v Verify unknown" and "r Retry
    unknown", and "b Other strategy" on a command step that had finished."""
    drop = Fault(FaultKind.DROP, "web-2")
    async with DemoFleet(demo_settings(), [drop]) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(120, 36)) as pilot:
            await open_incident(pilot)
            await start_evidence_step(pilot)

            def hosts() -> dict:  # read anew: the step may not have started yet
                return app.conductor.state.step("capture-evidence").hosts

            await until(pilot, lambda: len(hosts()) == 3 and not app.conductor.running)
            runs = hosts()
            assert runs["web-2"].status is HostStatus.UNKNOWN
            await pilot.press("f3")
            await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
            await until(pilot, lambda: "v Verify unknown" in shown_keys(app))
            shown = shown_keys(app)
            assert "r Retry unknown" in shown, shown
            assert "b Other strategy" not in shown, shown  # a command step: no strategy

            await fleet.clear(drop)
            await pilot.press("r")  # retried on web-2 alone
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, AttemptsDialog)
                    or runs["web-2"].status is not HostStatus.UNKNOWN
                ),
            )
            if isinstance(app.screen, AttemptsDialog):
                # Under load the dropped command may still run there (the fresh-clone run
                # of 1d99f0b at load 10): stopped, then retried, as the dialog offers.
                await pilot.press("s" if app.screen.running else "a")
            await until(pilot, lambda: runs["web-2"].status is HostStatus.SUCCEEDED)
            await until(pilot, lambda: not app.conductor.running)
            await until(pilot, lambda: "v Verify unknown" not in shown_keys(app))
            shown = shown_keys(app)
            assert "r Retry unknown" not in shown and "b Other strategy" not in shown, shown


async def test_execution_keys_are_offered_only_where_they_act(tmp_path: Path) -> None:
    """Seen at 80x24: "p Problems only" over "Nothing has run yet", "k Accept host key…"
    on steps where no host had a key to accept, on a soak too; "⏎ Why it failed" on a
    host that succeeded. Each is offered where it acts: k where a host failed on its key
    (accepted, or refused saying why), Enter on a host with a reason to read (the last of
    the footer's keys: shown when there is room, and by F1)."""
    wrong_key = Fault(FaultKind.WRONG_HOSTKEY, "web-2")
    async with DemoFleet(demo_settings(), [wrong_key]) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(120, 36)) as pilot:
            await open_incident(pilot)
            await pilot.press("f3")
            await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
            await until(pilot, lambda: "i Assessment" in shown_keys(app))
            shown = shown_keys(app)  # nothing has run: no host to show, accept or explain
            for key in ("p Problems only", "k Accept host key…"):
                assert key not in shown, shown
            assert not offered(app, "execution.why")

            await pilot.press("f2")
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            await start_evidence_step(pilot)

            def hosts() -> dict:  # read anew: the step may not have started yet
                return app.conductor.state.step("capture-evidence").hosts

            await until(pilot, lambda: len(hosts()) == 3 and not app.conductor.running)
            await pilot.press("f3")
            await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
            await until(pilot, lambda: "k Accept host key…" in shown_keys(app))
            assert "p Problems only" in shown_keys(app)
            grid = app.screen.query_one(HostGrid)
            grid.move_to_key("web-1")  # succeeded: nothing to explain
            await until(pilot, lambda: app.screen.host == "web-1")
            await until(pilot, lambda: not offered(app, "execution.why"))
            grid.move_to_key("web-2")  # its key does not match: why, whole, on Enter
            await until(pilot, lambda: offered(app, "execution.why"))


async def test_checklist_keys_are_offered_only_where_they_act(tmp_path: Path) -> None:
    """Seen at 80x24 on the demo: a closed incident's checklist offered "⏎ Do step" on a
    manual step (Enter then said only that the incident was closed), "p Preview
    commands" on steps that send none, "s Skip…" on steps already done."""
    from console.model.outcome import Outcome

    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        screen = app.screen
        assert isinstance(screen, ChecklistScreen)
        assert offered(app, "checklist.do") and offered(app, "checklist.skip")
        assert not offered(app, "checklist.preview")  # a manual step sends nothing
        await pilot.press("enter")  # open-bridge confirmed: the cursor goes on
        await until(pilot, lambda: screen.highlighted_step().id == "stop-traffic-shift")
        screen.select_step("open-bridge")
        await until(pilot, lambda: not offered(app, "checklist.do"))
        assert not offered(app, "checklist.skip")  # done already
        screen.select_step("capture-evidence")
        await until(pilot, lambda: offered(app, "checklist.preview"))
        assert offered(app, "checklist.do") and offered(app, "checklist.skip")

        app.conductor.close(Outcome.NOT_NEEDED, reason="the alert was a test")
        screen.select_step("stop-traffic-shift")
        await until(pilot, lambda: not offered(app, "checklist.do"))
        await until(pilot, lambda: "F7 Close incident…" not in shown_keys(app))
        assert "⏎ Do step" not in shown_keys(app) and "s Skip…" not in shown_keys(app)
        screen.select_step("document-reason")  # the form: amended after the close
        await until(pilot, lambda: offered(app, "checklist.do"))
