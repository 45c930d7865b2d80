"""The post-rollback form keeps a pasted text whole and shows a value of several lines on
its one line. Walked at 80x24 in tmux on a real sshd fleet: a log excerpt pasted into the
root cause kept its first line only (Textual's Input drops the rest, saying nothing), and
a root cause filled in headless over several lines (`--form-file`, as docs/export.md
allows) wrote its line breaks to the terminal as they were: the form's rows broke apart,
the next lines' first letters left in the margin."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from console.model.procedure import FormField
from console.ui.screens.form import FormScreen
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    until,
)

EXCERPT = "pool default changed 64 -> 8\r  ERROR pool exhausted\x1b[31m\r\nthe canary got 1 %"


def _shown(field: Input) -> str:
    return "".join(segment.text for segment in field.render_line(0))


async def test_a_pasted_excerpt_is_kept_whole_and_shown_on_one_line(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        root_cause = app.screen.query_one("#field-root_cause", Input)
        root_cause.focus()
        await pilot.pause(0.1)
        app.post_message(events.Paste(EXCERPT))  # as a terminal sends a paste: CR, CRLF
        whole = "pool default changed 64 -> 8\n  ERROR pool exhausted\x1b[31m\nthe canary got 1 %"
        await until(pilot, lambda: root_cause.value == whole)
        shown = _shown(root_cause)
        assert "\n" not in shown and "\x1b" not in shown and "\r" not in shown
        assert shown.startswith("pool default changed 64 -> 8⏎  ERROR pool exhausted␛[31m⏎")
        severity = app.screen.query_one("#field-severity", Input)  # one value: a space
        severity.focus()
        await pilot.pause(0.1)
        app.post_message(events.Paste("SEV2\r\n"))
        await until(pilot, lambda: severity.value == "SEV2")
        app.post_message(events.Paste("\nhigh"))
        await until(pilot, lambda: severity.value == "SEV2high")
        await pilot.press("ctrl+s")
        conductor = app.conductor
        await until(pilot, lambda: conductor.state.fields.get("root_cause") == whole)
        assert conductor.state.fields["severity"] == "SEV2high"


async def test_a_value_of_several_lines_is_shown_on_its_one_line(tmp_path: Path) -> None:
    """As `run --form-file` journals a root cause of several lines: shown with ⏎ in the
    field, never written to the terminal as a line break, and saved again unchanged."""
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        written = "pool 64 -> 8\r\nthe canary got 1 %\x07"
        conductor.set_field(FormField.REMEDIATION, written)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        field = app.screen.query_one("#field-remediation", Input)
        shown = _shown(field)
        assert shown.startswith("pool 64 -> 8␍⏎the canary got 1 %␇")
        assert not any(c in shown for c in "\r\n\x07")
        last = conductor.recorder.state.last_seq
        await pilot.press("ctrl+s")  # the reason, prefilled, is saved
        await until(pilot, lambda: conductor.recorder.state.last_seq > last)
        journal = conductor.recorder.path.read_text()
        assert journal.count('"field":"remediation"') == 1  # not written again
        assert conductor.state.fields["remediation"] == written


async def test_c1_controls_and_bidi_overrides_are_shown_one_for_one(tmp_path: Path) -> None:
    """A value holding a C1 control (CSI, U+009B: a terminal may start an escape sequence
    with it) or a bidi override (U+202E: what follows reads reversed, 'to 1.2' looking like
    '2.1 ot') reached the terminal raw, where C0 controls were shown as their pictures:
    each is shown as one replacement character, the value itself kept."""
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        written = "rolled back \u202e2.1 ot\u202c, host said \x9b2J\u200bdone"
        app.conductor.set_field(FormField.REMEDIATION, written)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        field = app.screen.query_one("#field-remediation", Input)
        assert field.value == written
        shown = _shown(field)
        assert shown.startswith("rolled back \ufffd2.1 ot\ufffd, host said \ufffd2J\ufffddone")
        assert not any(c in shown for c in "\u202e\u202c\x9b\u200b")
