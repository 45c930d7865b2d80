"""Keymap overrides from the configuration, help generated from bindings, the palette."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from textual.screen import Screen
from textual.widgets import DataTable

from console.model.events import Kind
from console.model.outcome import Outcome
from console.model.settings import ConsoleOptions
from console.ui import screens
from console.ui.app import RollbackApp
from console.ui.commands import IncidentCommands
from console.ui.screens.command_preview import CommandPreview
from console.ui.screens.help import HelpScreen
from console.ui.screens.home import HomeScreen
from console.ui.screens.timeline import TimelineScreen
from console.ui.widgets.event_list import EventList
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    populated_app,
    type_slowly,
    type_text,
    until,
    until_shown,
)


async def test_keymap_from_settings_moves_a_binding(tmp_path: Path) -> None:
    base = demo_settings()
    settings = base.replace(console=ConsoleOptions(keymap={"go.timeline": "f9", "help": "f10"}))
    app = build_app(settings, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("f4")  # no longer bound
        assert not isinstance(app.screen, TimelineScreen)
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen.query_one("#keys", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert ["F9", "Timeline", "go.timeline"] in [[str(c) for c in r] for r in rows]
        # the palette once, as the other keys are shown (it read "^p palette" and
        # "ctrl+p Palette: ..." at 80x24)
        palette = [[str(c) for c in r] for r in rows if "alette" in str(r[1])]
        assert palette == [["^p", "Palette: systems, hosts, steps", ""]], palette


async def test_palette_jumps_to_a_step(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("ctrl+p")
        await type_slowly(pilot, "Restore previous")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.2)
        step = app.screen.highlighted_step()
        assert step is not None and step.id == "restore"
        await pilot.press("ctrl+p")  # and from the palette again: what it would send
        await type_text(pilot, "Preview the commands")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CommandPreview))
        shown = str(app.screen.query_one("#commands-text").render())
        assert "On web-1, web-2, web-3" in shown and "\n  action\n" in shown


async def test_note_from_the_timeline_becomes_an_event(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("f4", "n")
        await type_text(pilot, "customer support informed")
        await pilot.press("enter")
        conductor = app.conductor
        await until(pilot, lambda: bool(conductor.state.notes))
        assert conductor.state.notes[-1][1] == "customer support informed"
        await pilot.press("s")  # star the newest event (the note)
        await until(pilot, lambda: bool(conductor.state.stars))


async def test_a_annotates_the_highlighted_event_and_shows_it_in_full(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        await pilot.press("f4", "up")  # the event before the newest
        timeline = app.screen.query_one("#timeline", EventList)
        target = timeline.selected()
        assert target is not None and target.seq == len(conductor.recorder.events) - 2
        await pilot.press("a")
        await pilot.press("enter")  # an empty annotation is refused
        assert "cannot be empty" in str(app.screen.query_one("#prompt-error").render())
        await type_text(pilot, "decided on the bridge")
        await pilot.press("enter")
        await until(pilot, lambda: target.seq in conductor.state.annotations)
        assert conductor.state.annotations[target.seq] == ["decided on the bridge"]
        note = conductor.recorder.events[-1]
        assert note.kind == Kind.NOTE_ADDED and note.data.about == target.seq
        # The timeline shows the note at its next refresh, after the state has it.
        detail = await until_shown(pilot, "#timeline-detail", "✎ decided on the bridge")
        assert timeline.selected() is target  # the cursor stayed on the annotated event
        assert f"#{target.seq} · " in detail and "✎ decided on the bridge" in detail
        row = app.screen.row_text(target, 80).plain
        assert row.startswith(" ✎")  # not starred, annotated


# A screen's key that is also an app key hides the app's there. Allowed where meant:
# F1 closes help; R on home (no incident attached) resumes the selected incident.
# The close dialog's F7 closes anyway (hosts unknown), once Enter has said what stays held:
# in the close, the app's F7 (the close) has nothing left to do.
SHADOWING_ALLOWED = {("HelpScreen", "f1"), ("HomeScreen", "r"), ("CloseDialog", "f7")}


def test_no_screen_key_hides_an_app_key() -> None:
    """V and R verify and retry unknown hosts after a resume, from every incident screen
    (the resume banner says so): a screen binding the same key would take them."""
    app_keys = {k for b in RollbackApp.BINDINGS for k in b.key.split(",")}
    hidden = set()
    for module in pkgutil.iter_modules(screens.__path__):
        found = importlib.import_module(f"{screens.__name__}.{module.name}")
        for name, cls in inspect.getmembers(found, inspect.isclass):
            if not issubclass(cls, Screen) or cls.__module__ != found.__name__:
                continue
            for binding in cls.BINDINGS:
                hidden |= {(name, k) for k in binding.key.split(",") if k in app_keys}
    assert hidden <= SHADOWING_ALLOWED, hidden - SHADOWING_ALLOWED


def _ui_binding_ids() -> set[str]:
    """Every binding id of every screen, widget and the app, found by walking console.ui."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    import console.ui

    ids = set()
    for module in pkgutil.walk_packages(console.ui.__path__, "console.ui."):
        found = importlib.import_module(module.name)
        for _, cls in inspect.getmembers(found, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__ == found.__name__:
                ids |= {b.id for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)}
    return ids - {None}


def test_the_keymap_check_knows_every_binding_id() -> None:
    """check-config refuses keymap ids the console lacks; its table must be the UI's."""
    from console.model.keymap import BINDING_IDS

    ui = _ui_binding_ids()
    assert not ui - BINDING_IDS, f"add to console/model/keymap.py: {sorted(ui - BINDING_IDS)}"
    assert not BINDING_IDS - ui, f"gone from the UI: {sorted(BINDING_IDS - ui)}"


def test_keymap_key_names_are_textuals() -> None:
    """A keymap may say '?' or 'question_mark': both bind the key Textual calls so."""
    from textual.keys import _character_to_key

    from console.model.keymap import key_name, key_problem

    for code in range(33, 127):
        char = chr(code)
        if char == ",":  # separates keys in a keymap: write `comma`
            continue
        assert key_name(char) == _character_to_key(char), char
        assert key_problem(key_name(char)) is None, char
    assert key_name("ctrl+/") == "ctrl+slash"
    assert key_problem("ctrl+shift+f5") is None
    assert "not a key" in key_problem("ctrl+kay")
    assert "not a modifier" in key_problem("strg+k")


def test_a_binding_id_names_one_binding_wherever_it_is_declared() -> None:
    """Key labels search the app and home screen first, the other screens only if the id
    is not there: that order must change no answer."""
    from console.ui import keys

    everywhere: dict[str, set[tuple[str, str]]] = {}
    for cls in keys.every_class():
        for binding_id, found in keys.declared(cls).items():
            everywhere.setdefault(binding_id, set()).add((found.key, found.action))
    twice = {i: v for i, v in everywhere.items() if len(v) > 1}
    assert not twice, twice
    for binding_id, ((key, action),) in everywhere.items():
        assert (keys.binding(binding_id).key, keys.binding(binding_id).action) == (key, action)


def test_the_home_screens_key_labels_import_no_other_screen() -> None:
    """The first frame names keys of the app and the home screen; finding them must not
    import every screen (the export screen alone loads Markdown)."""
    import subprocess
    import sys

    code = (
        "import sys; import console.ui.app, console.ui.screens.home\n"
        "before = set(sys.modules); from console.ui.keys import binding\n"
        "for i in ('home.new', 'home.drills', 'watch.decide', 'quit', 'help'): binding(i)\n"
        "print(sorted(m for m in set(sys.modules) - before if m.startswith('console.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "['console.ui.keys']"


async def test_help_on_the_form_shows_every_binding_id_whole_at_80_columns(
    tmp_path: Path,
) -> None:
    """Seen in tmux at 80x24: F1 on the post-rollback form (a text field focused, whose
    "Move cursor right or accept the completion suggestion" is 53 wide) cut the binding
    id column to `Bi` / `in` / `fo`: the ids a [keymap] needs, unreadable."""
    from console.ui.screens.help import key_rows

    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.action_go("form")
        await until(pilot, lambda: type(app.screen).__name__ == "FormScreen")
        rows = key_rows(app.screen)
        assert any(len(what) > 50 for _, what, _ in rows)  # the long one is there
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await until(pilot, lambda: app.screen.query_one("#keys").row_count > 0)
        await pilot.pause(0.1)
        lines = [s.text for s in app.screen._compositor.render_strips()]
        assert any("Binding id" in line for line in lines), lines
        # every id shown is whole, on the row of its description's first line
        shown = [row for row in rows if row[2] and any(row[1] in line for line in lines)]
        assert shown, lines
        for _key, what, bid in shown:
            line = next(line for line in lines if what in line)
            assert bid in line.split(), (bid, line)
        assert all(len(line.rstrip()) <= 80 for line in lines)


async def test_the_palette_offers_an_incidents_commands_on_its_screens_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walked at 80x24 on a README fleet: back on the home screen after a drill, the
    palette offered 'Abort the whole incident…' and 'Close the incident…' (of the drill
    closed already); on a closed incident's screens it offered them too."""
    app = populated_app(tmp_path, monkeypatch)

    def offered() -> list[str]:
        return [name for name, *_ in IncidentCommands(app.screen)._commands()]

    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)  # type: ignore[attr-defined]
        await app.push_screen("checklist")
        await pilot.pause()
        assert {"Abort the whole incident…", "Add a note to the timeline"} <= set(offered())
        app.conductor.close(Outcome.ABORTED, "the bridge called it off")
        assert "Abort the whole incident…" not in offered()
        assert "Close the incident with its outcome…" not in offered()
        assert "Export the rollback document" in offered()  # what a closed one still does
        app.to_home()
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert offered() == []


async def test_the_palette_asked_again_over_a_screen_opened_above_it_opens_no_second(
    tmp_path: Path,
) -> None:
    """Random keys at 80x24 on the demo: ^p, then a priority key (^q here; ^t, a proposal's
    decision, did it) opening a dialog over the palette, then ^p again ended the console
    with 'DuplicateIds: Tried to insert a widget with ID '--command-palette'': Textual
    asks only whether the top screen is a palette."""
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: app.screen.id == "--command-palette")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: app.screen.id != "--command-palette")
        dialog = app.screen
        await pilot.press("ctrl+p")
        await pilot.pause()
        palettes = [s for s in app.screen_stack if s.id == "--command-palette"]
        assert len(palettes) == 1 and app.is_running
        assert app.screen is dialog
        await pilot.press("escape")  # the dialog ends: the palette is there again
        await until(pilot, lambda: app.screen.id == "--command-palette")
