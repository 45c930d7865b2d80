"""A command step left unknown (its console's terminal closed mid-step): resumed, the
console offered "v verify them (the step's verify, those hosts only)", and v then said
"not verified: a command step has no verify command". A command step has no verify: the
banner, the checklist's todo, the step's detail and the resume notice say that v only asks
whether it still runs there, and that it is checked by hand; a strategy step's stay as
they were."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, RadioButton, RadioSet

from tests.test_ui_resume import banner_text, checklist_shown, resumed_app
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    _run_on_hosts,
    build_engine,
    demo_settings,
    under_way,
    until,
)


def _left_in_a_command_step(root: Path) -> Path:
    """An incident whose `capture-evidence` (a command step) has web-2's intent and no
    outcome, as a console whose terminal closed there leaves it."""
    _engine, conductor = under_way(demo_settings(), root)
    done = ("run", 0, "error_rate=0.31")
    _run_on_hosts(conductor, "capture-evidence", {"web-1": done, "web-2": ("run", None, "")})
    conductor.recorder.close()
    return conductor.recorder.path


def _resumed(tmp_path: Path):
    """The console resuming that incident."""
    root = tmp_path / "incidents"
    journal = _left_in_a_command_step(root)
    return resumed_app(build_engine(demo_settings(), root), journal)


async def test_a_command_step_left_unknown_offers_no_verify(tmp_path: Path) -> None:
    app = _resumed(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: checklist_shown(app))
        await pilot.pause(0.1)
        assert app.conductor.state.unknown_hosts == [("capture-evidence", "web-2")]
        banner = banner_text(app)
        assert "v says if it still runs (no verify: check by hand) · r retry only it" in banner
        assert "the step's verify" not in banner, banner
        todo = " ".join(str(app.screen.query_one("#where-todo").render()).split())
        assert todo == (
            "Unknown on web-2: no verify: check by hand (v: still running?), r retries only"
            " it, then Enter."
        ), todo
        detail = " ".join(str(app.screen.query_one("#step-detail").render()).split())
        assert "(v says if it still runs (no verify: check by hand), r retries only them)" in (
            detail
        ), detail
        notice = next(n for n in app._notifications if n.title == "Resumed")
        assert notice.message.startswith(
            "Outcome unknown on web-2: a command step has no verify command: check it by hand"
            " (v says whether it still runs there) before retrying (r)."
        ), notice.message


async def test_the_close_says_what_v_does_for_a_command_step(tmp_path: Path) -> None:
    """The close (F7) said "v verifies it first" of the command step the banner says has
    no verify; with Enter's refusal, whole at 80x24."""
    from console.ui.screens.close import CloseDialog

    app = _resumed(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: checklist_shown(app))
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))
        await pilot.pause(0.1)
        said = " ".join(str(app.screen.query_one(".dialog-text").render()).split())
        assert said.startswith(
            "Outcome unknown on web-2: a change may still run there; v says if it still runs"
            " (Esc; no verify: check by hand). Closed now, the lock on web stays held"
        ), said
        assert "verifies" not in said, said
        radios = app.screen.query_one("#close-outcome", RadioSet)
        [aborted] = [b for b in radios.query(RadioButton) if b.name == "aborted"]
        aborted.value = True  # a reason, then Enter
        detail = app.screen.query_one("#close-detail", Input)
        await until(pilot, lambda: bool(detail.display))
        detail.focus()
        await pilot.press(*"stopped", "enter")
        await until(
            pilot, lambda: "Not closed" in str(app.screen.query_one("#close-error").render())
        )
        refusal = " ".join(str(app.screen.query_one("#close-error").render()).split())
        assert refusal == "✘ Not closed: F7 closes anyway; Esc, then v, says if it still runs.", (
            refusal
        )
