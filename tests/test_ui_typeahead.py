"""Keys typed faster than the console moves focus (a slow link, a loaded jump host): each
lands where the person meant it. The keys go in as a terminal sends them, as one burst
to the app, without waiting for the screen between them."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from console.model.outcome import CHOSEN, Outcome
from console.ui.screens.close import CloseDialog
from console.ui.screens.form import FormScreen
from console.ui.screens.picker import PickerScreen
from console.ui.screens.trigger import TriggerScreen
from tests.fleet_settings import sshd_settings
from tests.test_ui_support import build_app, declare_and_pick, demo_settings, open_incident, until

NAMED = {" ": "space", "-": "minus", ".": "full_stop", ",": "comma", "%": "percent_sign"}


async def typed(pilot) -> None:
    """Until every key of a burst has been taken and acted on, one at a time: the
    app's queue empty, no key waiting its turn (`until`). A fixed pause before reading
    the fields was a race under load."""
    await until(pilot, lambda: pilot.app._message_queue.empty())
    await pilot.pause(0.1)
    await until(pilot, lambda: pilot.app._message_queue.empty())


def burst(app, *keys: str) -> None:
    """Each item is a key name (`enter`, `down`) or, in quotes, text to type."""
    for key in keys:
        if key.startswith("'"):
            for ch in key.strip("'"):
                app.post_message(events.Key(NAMED.get(ch, ch), ch))
        else:
            app.post_message(events.Key(key, "\r" if key == "enter" else None))


async def form_opened(pilot, app) -> None:
    """A new incident, its post-rollback form open and settled."""
    await open_incident(pilot)
    app.action_go("form")
    await until(pilot, lambda: isinstance(app.screen, FormScreen))
    await pilot.pause(0.2)


async def test_a_declaration_typed_in_one_burst(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        await pilot.pause(0.2)
        burst(app, "down", "enter", "'checkout errrs'", "backspace", "backspace", "'ors for 30%'",
              "tab", "ctrl+u", "'alice@10.0.0.7'", "enter")  # fmt: skip
        await until(pilot, lambda: isinstance(app.screen, PickerScreen))
        declaration = app.screen.declaration
        assert declaration.kind.value == "user-impact"
        assert declaration.reason == "checkout errors for 30%"
        assert declaration.commander == "alice@10.0.0.7"


async def test_the_form_typed_in_one_burst(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await form_opened(pilot, app)
        burst(app, "'web 2.4.1 broke'", "enter", "'SEV2'", "tab", "'a third'",
              "shift+tab", "' (major)'", "enter", "enter", "enter", "enter",
              "'lost orders'")  # fmt: skip
        await typed(pilot)
        values = {k.value: v for k, v in app.screen.values().items()}
        assert values["reason"] == "web 2.4.1 broke"
        # Shift+Tab back to a filled field selects it, as typed slowly: replaced
        assert values["severity"] == "(major)"
        assert values["impact_users"] == "a third"
        assert values["business_impact"] == "lost orders"


async def test_a_close_chosen_and_explained_in_one_burst(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))
        await pilot.pause(0.2)
        # From the outcome the record suggests, down to "not needed"; its reason; Enter.
        start = app.screen.query_one("#close-outcome")._selected or 0
        downs = ["down"] * (CHOSEN.index(Outcome.NOT_NEEDED) - start)
        burst(app, *downs, "space", "'the errors were a load test'", "enter")
        await until(pilot, lambda: conductor.state.closed)
        assert conductor.state.outcome == Outcome.NOT_NEEDED.value
        assert "the errors were a load test" in conductor.state.outcome_label


async def test_a_reason_typed_in_one_burst_on_the_suggested_outcome(tmp_path: Path) -> None:
    """The close dialog's suggested outcome focused, its reason typed in one burst (a
    paste, a slow link): every character is kept. The first key went behind the field's
    focus, which then selected what the others had typed, and the record said "o"."""
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        app.push_screen(CloseDialog(Outcome.NOT_NEEDED, []))
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))
        await pilot.pause(0.2)
        burst(app, "'orders counted by hand: 3 rows'", "enter")
        await until(pilot, lambda: conductor.state.closed)
        assert conductor.state.outcome_label == (
            "not needed (false alarm): orders counted by hand: 3 rows"
        )


async def test_a_trigger_reason_typed_in_one_burst_after_its_choice(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        await pilot.pause(0.2)
        burst(app, "down", "space", "'orders' backup is stale'", "enter")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen))
        assert app.screen.declaration.reason == "orders' backup is stale"


async def test_a_reason_typed_on_a_highlighted_outcome_chooses_it(tmp_path: Path) -> None:
    """Nothing suggested; the commander moves to "aborted" and types its reason without
    Space: the highlighted outcome is chosen and the reason kept whole (its first word
    went nowhere, and its first space chose the outcome)."""
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        app.push_screen(CloseDialog(None, []))
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))
        await pilot.pause(0.2)
        downs = ["down"] * CHOSEN.index(Outcome.ABORTED)
        burst(app, *downs, "'bridge called it off'", "enter")
        await until(pilot, lambda: conductor.state.closed)
        assert conductor.state.outcome_label == "aborted: bridge called it off"


async def test_text_typed_ahead_into_the_next_field_is_not_replaced_by_what_follows(
    tmp_path: Path,
) -> None:
    """Tab and the start of a date typed in one burst, the rest a moment later (a terminal
    reads a paste or a fast typist in chunks): the field the Tab went to got its first keys
    before its focus arrived, and the focus then selected them for the next key to
    replace. Seen in tmux at 80x24: "2026-12-02 15:00" recorded as "00"."""
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await form_opened(pilot, app)
        burst(app, "'web 2.4.1 broke'", "tab", "'SEV'")
        await typed(pilot)
        burst(app, "'2'", "tab", "'a third'")
        await typed(pilot)
        values = {k.value: v for k, v in app.screen.values().items()}
        assert values["reason"] == "web 2.4.1 broke"
        assert values["severity"] == "SEV2"
        assert values["impact_users"] == "a third"


@pytest.mark.sshd
async def test_arrows_and_space_typed_in_one_burst_pick_the_host_they_reach(
    tmp_path: Path, sshd_server
) -> None:
    """Seen at 80x24 on a real sshd fleet: with the cursor on system web, Down Down Down
    Down Space typed in one go selected all of web, and Up x4 Space from web-4 selected
    web-4 alone: Space acted at once, the arrows only once they had bubbled up to the
    bindings. Each key now acts in the order typed."""
    settings, _ = sshd_settings(sshd_server, {f"web-{n}": "web" for n in range(1, 5)})
    app = build_app(settings, tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "checkout fails")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        tree = picker.host_tree
        await pilot.pause(0.2)
        burst(app, "down", "down", "down", "down", "space")
        await until(pilot, lambda: bool(tree.selected))
        await pilot.pause(0.2)
        assert tree.selected == {"web-4"}
        burst(app, "space", "up", "up", "up", "up", "space", "end", "up", "space")
        await typed(pilot)
        assert tree.selected == {"web-1", "web-2", "web-4"}  # all, then web-3 taken out
        burst(app, "home", "space", "pagedown", "space")
        await typed(pilot)
        assert tree.selected == {"web-1", "web-2", "web-3"}


async def test_a_prompt_typed_into_as_it_opens_keeps_every_key(tmp_path: Path) -> None:
    """Seen under load in the quit-mid-step test: A in the quit dialog, then the abort
    reason: keys that reached a text prompt before its field had the focus went nowhere
    (`wrong fleet` would be recorded `rong fleet`). The note prompt opened, and a note
    typed at once: the note is whole, its edits and Enter included."""
    from console.model.events import Kind
    from console.ui.screens.dialogs import TextPrompt

    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        recorder = app.conductor.recorder
        app.prompt_note()
        assert isinstance(app.screen, TextPrompt) and app.screen.focused is None
        burst(app, "'wrong fleat'", "backspace", "backspace", "'et'", "enter")

        def notes() -> list[str]:
            return [e.data.text for e in recorder.events if e.kind == Kind.NOTE_ADDED]

        await until(pilot, lambda: bool(notes()))
        assert notes() == ["wrong fleet"]
