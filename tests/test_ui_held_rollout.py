"""A gradual re-enable stopped between its stages, on the execution screen at 80x24: its
hosts read held at 5 %, never "not started"; the banner says what a retry does (it goes on
with stage 2), the footer names its key "Next stage", and the retry does that."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label, Static

from console.demo.fleet import DemoFleet
from console.model.events import Kind
from console.model.settings import Settings
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.execution import ExecutionScreen
from console.ui.widgets.host_grid import HostGrid
from console.ui.widgets.one_line import OneLine
from tests.test_strategies_sshd import healed_checkout
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    footer_keys,
    open_incident,
    run_confirm_about,
    until,
    until_shown,
)

# On screen a figure and its unit are one word ("5%"): a wrapped line never splits them.
HELD = "held at 5% on 3 hosts (stage 1 of 4): the next stage was not confirmed"


def _stages_confirmed() -> Settings:
    data = demo_settings().dumped()
    for strategy in data["strategies"]:
        if strategy["name"] == "feature-reenable":
            strategy["waves"] = {"confirm": True}
    return Settings.validated(data)


async def _asked(pilot, app) -> str:
    """The question of the confirmation dialog now shown, once its text is composed."""
    await until(
        pilot,
        lambda: isinstance(app.screen, ConfirmDialog) and bool(app.screen.query(".dialog-text")),
    )
    return " ".join(str(app.screen.query_one(".dialog-text", Static).render()).split())


def _shown(screen, selector: str) -> str:
    return str(
        screen.query_one(selector, OneLine if selector == "#exec-title" else Static).render()
    )


async def _re_enable_confirmed(pilot, app) -> None:
    """Declare, then run the gradual re-enable on the restore step and confirm it."""
    await open_incident(pilot)
    app.conductor.choose_strategy("feature-reenable")
    app.start_run("restore")
    await until(pilot, lambda: isinstance(app.screen, RunConfirm))
    await pilot.press("y")


async def test_a_re_enable_stopped_after_stage_1_reads_held_and_t_goes_on(tmp_path: Path) -> None:
    async with DemoFleet(_stages_confirmed()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await _re_enable_confirmed(pilot, app)
            question = await _asked(pilot, app)
            assert "every host is held at 5% (a retry of the step goes on with stage 2)" in (
                question
            )
            # Under the question, the stages with their shares (it read "Waves ✔ 1/1 3 ok,
            # 0 failed": every wave done, the rollout three stages short of its end).
            under = app.screen_stack[-2]
            assert isinstance(under, ExecutionScreen), app.screen_stack
            stages = "Stages ✔ 1/4 5% · ⏸ 2/4 25% waits for a yes · ○ 3–4 of 4 not started"
            assert _shown(under, "#exec-waves").strip() == stages
            # Enter gives the safe answer, focused, and the dialog says so (seen at 80x24 on
            # a real sshd fleet: Enter held the rollout, nothing on screen said it would)
            hint = app.screen.query_one("#confirm-hint", Static)
            said = "Enter or Esc: Stop here · y: Start stage 2"
            await until(pilot, lambda: str(hint.render()) == said)
            assert app.screen.focused is app.screen.query_one("#no")
            await pilot.press("tab")  # Tab moves the focus, and what Enter does with it
            await until(pilot, lambda: str(hint.render()).startswith("Enter or y: Start"))
            await pilot.press("shift+tab")
            await until(pilot, lambda: str(hint.render()).startswith("Enter or Esc: Stop"))
            await pilot.press("enter")  # the focused answer: Stop here
            await until(pilot, lambda: "restore" not in app.conductor.running)
            await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
            await pilot.pause(0.2)
            screen = app.screen
            assert _shown(screen, "#exec-title").startswith("◐ held ")
            counts = _shown(screen, "#exec-counts")
            assert counts.startswith("3 of 3 hosts finished · t goes on with stage 2"), counts
            banner = " ".join(_shown(screen, "#exec-halt").split())
            assert banner.startswith(f"◐ HELD {HELD}"), banner
            assert "t goes on with stage 2 of 4 (25%); every host stays at 5% until then" in (
                banner
            )
            # its stages, not one wave of all hosts ("Waves ◐ 1/1 0 ok, 0 failed, 3 held")
            stages = "Stages ◐ 1/4 5% held · ○ 2–4 of 4 not started"
            assert _shown(screen, "#exec-waves").strip() == stages
            grid = screen.query_one("#grid", HostGrid)
            hosts = ["web-1", "web-2", "web-3"]
            assert [str(grid.get_cell(h, "Status")).strip() for h in hosts] == ["◐ held"] * 3
            assert "not started" not in banner + counts
            toasts = [(n.title, n.message) for n in app._notifications]
            assert (
                "Step held",
                f"“Restore previous version”: {HELD}. t goes on with the next stage, or skip.",
            ) in toasts
            await pilot.press(
                "f2"
            )  # the checklist's detail says the result as recorded, "5%" whole
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            app.screen.select_step("restore")  # its detail is drawn at the highlight's message
            said = "Result: held at 5% on 3 hosts (stage 1 of 4)"
            await until_shown(pilot, "#step-detail", said)
            await pilot.press("f3")
            await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
            keys = await footer_keys(pilot)
            assert "t Next stage" in keys and "t Retry failed" not in keys, keys
            await pilot.press("p")  # problems only: a held host succeeded at its stage
            assert not grid.row_count
            await pilot.press("p")

            await pilot.press("t")  # the retry goes on with stage 2, and says so first
            about = await run_confirm_about(pilot)
            assert "Stages: held at 5%, goes on with 25%, 50%, 100%," in about
            title = str(app.screen.query_one(".dialog-title", Label).render())
            # not a first run: the hosts held go on from their stage
            assert title == "Retry “Restore previous version” on 3 host(s): 3 held?"
            assert "precheck:" not in about and "set 25%:" in about
            await pilot.press("y")
            await until(pilot, lambda: "restore" not in app.conductor.running)
            await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
            await pilot.pause(0.2)
            # the held toast went as the rollout went on: the dialog held it, and closing
            # it showed it again for its whole time, over the stage that ran
            titles = [n.title for n in app._notifications]
            assert "Step held" not in titles and "Step failed" in titles, titles
            # the same rollout gone on, not "Waves run 2: ✘ 1/1" and "Earlier run 1: ..."
            stages = "Stages ✔ 1/4 5% · ✘ 2/4 25% (3 failed) · ○ 3–4 of 4 not started"
            assert _shown(app.screen, "#exec-waves").strip() == stages
    # The demo's bad path is still live: stage 2 fails its check. It was stage 2 that ran.
    events = app.conductor.recorder.events
    stages = [(e.data.percent, e.data.ok) for e in events if e.kind == Kind.ROLLOUT_STEP]
    assert stages == [(5, True), (25, False)]
    retry = [i for i, e in enumerate(events) if e.kind == Kind.STEP_STARTED][-1]
    sent = {e.data.stage for e in events[retry:] if e.kind == Kind.COMMAND_INTENT}
    assert sent == {"set 25%", "check 25%"}


async def test_a_re_enable_failed_on_one_host_says_its_retry_takes_the_held_ones_too(
    tmp_path: Path,
) -> None:
    """Stage 2 (25 %) failed on web-3 and passed on web-1 and web-2, held there: the
    heading (and the toast) said 't retries failed hosts', while the retry takes the held
    hosts too, from the first stage (5 %, below where they are); the footer said
    "t Retry failed" of it."""
    async with DemoFleet(demo_settings()) as fleet:
        for host in ("web-1", "web-2"):
            healed_checkout(fleet.sandboxes[host])
        flags = fleet.sandboxes["web-3"] / "etc/flags"  # its bad path is still live
        flags.write_text(flags.read_text().replace("new_checkout=100", "new_checkout=0"))
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await _re_enable_confirmed(pilot, app)
            await until(pilot, lambda: app.conductor.state.step("restore").status.value == "failed")
            await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
            await pilot.pause(0.2)
            counts = " ".join(_shown(app.screen, "#exec-counts").split())
            toasts = [(n.title, n.message) for n in app._notifications]
            keys = await footer_keys(pilot)
    assert "t retries from the first stage, with the 2 held hosts" in counts, counts
    # the footer says what t does, as the line does (it read "t Retry failed")
    assert "t Retry from stage 1" in keys and "Retry failed" not in keys, keys
    assert "retries failed hosts" not in counts
    said = "did not succeed everywhere. t retries from the first stage, with the 2 held hosts"
    assert ("Step failed", f"“Restore previous version” {said}, or skip.") in toasts, toasts
