"""The live timeline: every event, newest at the bottom, filterable, starrable."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input

from console.journal.describe import describe, where
from console.model.events import Event, Kind
from console.ui.screens.base import IncidentScreen
from console.ui.widgets.incident_bar import IncidentBar

STAR = Text("★", style="bold #e0b44c")


def what(event: Event) -> str:
    if event.kind == Kind.COMMAND_OUTPUT:
        lines = event.data.get("lines", [])
        stream = "stderr" if event.data.get("stream") == "stderr" else "output"
        last = lines[-1] if lines else ""
        return f"{stream} ({len(lines)} line{'s' if len(lines) != 1 else ''}): {last}"
    if event.kind == Kind.EVENT_STARRED:
        verb = "starred" if event.data.get("starred", True) else "unstarred"
        return f"{verb} event #{event.data.get('seq')}"
    if event.kind == Kind.EXPORT_WRITTEN:
        return f"wrote the document: {event.data.get('path')}"
    return describe(event)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class TimelineScreen(IncidentScreen):
    """Follow the journal live; / filters, S stars, N adds a note."""

    TAB = "timeline"
    BINDINGS = [
        Binding("s", "star", "Star", id="timeline.star"),
        Binding("n", "note", "Note…", id="timeline.note"),
        Binding("slash", "filter", "Filter", id="timeline.filter"),
        Binding("end", "follow", "Follow", id="timeline.follow"),
        Binding("escape", "leave_filter", "Table", id="timeline.table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._seen = 0
        self.filter = ""

    def compose(self) -> ComposeResult:
        yield IncidentBar(self.TAB)
        yield Input(
            placeholder="/ filter by kind, system, host or step (e.g. web-2, step., note)",
            id="timeline-filter",
            compact=True,
        )
        yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#timeline", DataTable)
        table.add_column("★", key="star", width=1)
        table.add_column("#", key="seq", width=3)
        table.add_column("Time", key="time", width=8)
        table.add_column("Who", key="who", width=9)
        table.add_column("Where", key="where", width=20)
        table.add_column("What", key="what")
        table.focus()
        self.sync()

    def matches(self, event: Event) -> bool:
        needle = self.filter.strip().lower()
        if not needle:
            return True
        hay = " ".join(
            x or "" for x in (event.kind, event.where.system, event.where.host, event.where.step)
        ).lower()
        return all(word in hay for word in needle.split())

    def sync(self) -> None:
        if not self.is_mounted:
            return
        table = self.query_one("#timeline", DataTable)
        events = self.conductor.recorder.events
        stars = self.conductor.state.stars
        follow = table.row_count == 0 or table.cursor_row >= table.row_count - 1
        for event in events[self._seen :]:
            if event.kind == Kind.EVENT_STARRED:
                target = str(event.data.get("seq"))
                if target in table.rows:
                    table.update_cell(target, "star", STAR if int(target) in stars else "")
            if self.matches(event):
                table.add_row(
                    STAR if event.seq in stars else "",
                    str(event.seq),
                    f"{event.ts:%H:%M:%S}",
                    event.who.user,
                    _clip(where(event), 20),
                    _clip(what(event), max(24, self.size.width - 52)),
                    key=str(event.seq),
                )
        self._seen = len(events)
        if follow and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)

    def rebuild(self) -> None:
        table = self.query_one("#timeline", DataTable)
        table.clear()
        self._seen = 0
        self.sync()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter = event.value
        self.rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#timeline", DataTable).focus()

    def selected_seq(self) -> int | None:
        table = self.query_one("#timeline", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def action_star(self) -> None:
        seq = self.selected_seq()
        if seq is None:
            return
        self.conductor.star(seq, starred=seq not in self.conductor.state.stars)

    def action_note(self) -> None:
        self.app.prompt_note()

    def action_filter(self) -> None:
        self.query_one("#timeline-filter", Input).focus()

    def action_leave_filter(self) -> None:
        self.query_one("#timeline", DataTable).focus()

    def action_follow(self) -> None:
        table = self.query_one("#timeline", DataTable)
        if table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)

    def set_filter(self, text: str) -> None:
        self.query_one("#timeline-filter", Input).value = text
