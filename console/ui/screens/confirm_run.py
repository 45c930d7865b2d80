"""Before a step acts on hosts: what it sends, where, with which values, and a yes from
the commander. What it says, in order, is run_said.py's; here it is laid out so that at
80x24 the first screen shows the hosts, the values and the start of the commands (a long
text summed up first: run_summary.py), and a line under them says what is below and which
keys reach it (run_layout.py). The dialog is as tall as its text, up to the screen's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from console.model.templates import Commands
from console.ui.screens.button_dialog import ButtonDialog
from console.ui.screens.dialogs import enter_says
from console.ui.screens.run_layout import (
    DIALOG_ROWS,
    FIRST,
    FULL,
    SENT,
    THEN,
    Mark,
    Part,
    capped_check,
    marked,
    named_below,
)
from console.ui.screens.run_said import StrategySaid, commands_text, hosts_said, sends
from console.ui.screens.run_summary import IN_FULL, SUMMARY_FROM, line_count, summed_up

if TYPE_CHECKING:
    from console.ui.app import RollbackApp

RECORDED = "Your name goes into the record with the run."


class RunConfirm(ButtonDialog[bool]):
    """`Run “Restore previous version” on 3 hosts?` (or `Retry ...` on the hosts a retry
    takes) with what it sends and with which values, then how it goes; the safe answer
    (Esc) has focus, y runs. What is below the fold scrolls with the arrows, PgUp/PgDn and
    Home/End at once, and the line under it says how much is below, and what."""

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("escape", "answer(False)", "Cancel", id="run.cancel"),
        Binding("y", "answer(True)", "Run", id="run.yes"),
        Binding("up", "scroll_by(-1)", "Scroll up", id="run.up", show=False),
        Binding("down", "scroll_by(1)", "Scroll down", id="run.down", show=False),
        Binding("pageup", "scroll_page(-1)", "Page up", id="run.page-up", show=False),
        Binding("pagedown", "scroll_page(1)", "Page down", id="run.page-down", show=False),
        Binding("home", "scroll_to_edge(False)", "Top", id="run.home", show=False),
        Binding("end", "scroll_to_edge(True)", "End", id="run.end", show=False),
    ]

    def __init__(
        self,
        title: str,
        systems: list[str],
        per_host: dict[str, Commands],
        about: StrategySaid | None = None,
        verb: str = "Run",
        standing: str = "",
        changed: tuple[str, str] = ("", ""),
        templates: Mapping[str, str] | None = None,
    ):
        super().__init__()
        self.verb = verb
        # A configuration file changed since start: headline, what (engine/config_drift.py).
        self.changed, self.changes = changed
        self.standing = standing  # a retry's hosts counted: `1 failed, 3 not started`
        self.title_text = title
        self.systems = systems
        self.per_host = per_host
        self.about = about  # a strategy step's words, around its commands
        self.templates = templates or {}  # each stage's template: where its values went
        self._width = 0  # the text's width on screen, once laid out
        self._marks: list[Mark] = []  # where each part begins, as laid out at that width
        self._rows = 0  # and how many rows the text takes
        self.said_below = False  # the line under the text says it as laid out at that width

    def _parts(self, width: int = 0) -> list[Part]:
        """Where, what with which values, the commands (a line longer than `width` goes on
        under itself), then how it goes. Past SUMMARY_FROM lines, the commands are summed
        up first, how it goes follows, then every line."""
        hosts = list(self.per_host)
        first = Text.assemble(("Systems: ", "bold"), ", ".join(self.systems), "\n")
        first.append("Hosts: ", style="bold").append(hosts_said(hosts))
        whole_check = None
        if self.about is not None:
            said, whole_check = capped_check(self.about.first, width)
            first.append("\n").append_text(said)
        commands = self.per_host[hosts[0]]
        sent = Text(sends(self.per_host, self.app.key_label("checklist.preview")), style="bold")
        parts = [Part(FIRST, "", first), Part(SENT, "the commands", sent.append(":"))]
        long = line_count(commands) > SUMMARY_FROM  # its values' lines first, every line last
        if long:
            stages = summed_up(commands, self.templates, width)
        else:
            stages = commands_text(commands, width)
        parts += [Part(SENT, stage, text) for stage, text in stages]
        if self.about is not None:
            then = [Part(THEN, ln.plain.split(":")[0], ln) for ln in self.about.then.split("\n")]
            if whole_check is not None:  # cut above: here whole
                then.append(Part(THEN, whole_check.plain.split(":")[0], whole_check))
            parts += [Part(THEN, "", Text()), *then]
        if long:
            parts += [Part(THEN, "", Text()), Part(FULL, "every line", Text(IN_FULL, style="bold"))]
            parts += [Part(FULL, stage, text) for stage, text in commands_text(commands, width)]
        return parts

    def _text(self, width: int = 0) -> Text:
        """The text, laid out for `width`; where each part begins, noted for the line under it."""
        text, self._marks, self._rows = marked(self._parts(width), width)
        return text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -danger", id="run-confirm"):
            yield Label(f"{self.verb} “{self.title_text}” {self._where()}?", classes="dialog-title")
            if self.changed:  # above what scrolls: in sight whatever the commands' length
                yield Static(f"! {self.changed}", id="run-changed", markup=False)
            with VerticalScroll(id="run-commands"):
                yield Static(self._text(), classes="dialog-text")
                if self.changes:  # after the commands: they stay in view at 80x24
                    yield Static(f"! {self.changes}", id="run-changes", markup=False)
            yield Static(RECORDED, id="run-below", classes="dialog-hint", markup=False)
            with Horizontal(classes="dialog-buttons"):
                cancel, yes = self.app.key_label("run.cancel"), self.app.key_label("run.yes")
                yield Button(f"Cancel ({cancel})", id="no", variant="primary")
                yield Button(
                    f"{self.verb} on {len(self.per_host)} host(s) ({yes})",
                    id="yes",
                    variant="error",
                )
            # what Enter does, as every yes/no dialog of the console says it
            yield Static("", id="confirm-hint", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self._fit()
        self.query_one("#no", Button).focus()
        self._hint(yes=False)
        area = self.query_one("#run-commands", VerticalScroll)
        self.watch(area, "scroll_y", self._say_below, init=False)
        self.watch(area, "virtual_size", self._say_below, init=False)
        self.call_after_refresh(self._rewrap)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._hint(yes=event.widget.id == "yes")

    def _hint(self, yes: bool) -> None:
        keys = self.app.key_label("run.yes"), self.app.key_label("run.cancel")
        run = f"{self.verb} {self._where()}"
        self.query_one("#confirm-hint", Static).update(enter_says(run, "Cancel", yes, *keys))

    def _where(self) -> str:
        """`on 4 host(s)`, or for a retry `on 4 host(s): 1 failed, 3 not started`."""
        where = f"on {len(self.per_host)} host(s)"
        return f"{where}: {self.standing}" if self.standing else where

    def on_resize(self) -> None:
        self._fit()
        self.call_after_refresh(self._rewrap)

    def _fit(self) -> None:
        """The text takes the rows the dialog (95 % of the screen) leaves it, and no more:
        a short one's dialog is no taller than it. Set before its first layout, its lines
        are wrapped at the width they have beside the scrollbar (a line wrapped for the
        width without it was cut again, its end on the dialog's edge)."""
        rows = self.app.size.height * 95 // 100 - DIALOG_ROWS - bool(self.changed)
        self.query_one("#run-commands", VerticalScroll).styles.max_height = max(3, rows)

    def _rewrap(self) -> None:
        """Wrap the long command lines at the width the text has on screen."""
        text = self.query_one("#run-commands .dialog-text", Static)
        width = text.content_region.width
        if width and width != self._width:
            self._width = width
            text.update(self._text(width))
        self.call_after_refresh(self._say_below)

    def _say_below(self) -> None:
        """`▼ 57 lines below (↓ pgdn end): action, verify, Waves, Failures, Does`; at the
        end, how to go back; when all of it is in view, only that the name is recorded."""
        area = self.query_one("#run-commands", VerticalScroll)
        below = round(area.max_scroll_y - area.scroll_y)
        key = self.app.key_label
        if below > 0:
            keys = " ".join(key(f"run.{k}") for k in ("down", "page-down", "end"))
            seen = area.scroll_y + area.scrollable_content_region.height
            what = ", ".join(self._named_below(seen))
            said = f"▼ {below} line{'s' if below > 1 else ''} below ({keys})"
            said += f": {what}" if what else ""
        elif area.max_scroll_y > 0:
            said = f"▲ The end ({key('run.home')}: the top). {RECORDED}"
        else:
            said = RECORDED
        sign = self.query_one("#run-below", Static)
        sign.update(said)
        sign.set_class(below > 0, "-more")
        self.said_below = self.said_below or bool(self._width)

    def _named_below(self, seen: float) -> list[str]:
        """What begins on the rows from `seen` on: the commands, or their stages still
        below (`action`, `verify`), or more of them; the labels of what is said after
        them; every line (past SUMMARY_FROM), or its stages still below; then a
        configuration's changes."""
        if not self._width:
            return []
        named = named_below(self._marks, seen, self._rows)
        if self.changes:
            changes = self.query_one("#run-changes", Static)
            if changes.virtual_region.y >= seen:
                named.append("what changed in the configuration")
        return named

    def answer(self, button: Button) -> None:
        self.dismiss(button.id == "yes")

    def action_scroll_by(self, lines: int) -> None:
        self.query_one("#run-commands", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_scroll_page(self, pages: int) -> None:
        area = self.query_one("#run-commands", VerticalScroll)
        area.scroll_relative(
            y=pages * max(area.scrollable_content_region.height - 1, 1), animate=False
        )

    def action_scroll_to_edge(self, end: bool) -> None:
        area = self.query_one("#run-commands", VerticalScroll)
        area.scroll_to(y=area.max_scroll_y if end else 0, animate=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
