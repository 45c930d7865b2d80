"""The live timeline: every event, newest at the bottom, filterable, starrable,
annotatable, with the highlighted event in full below the list."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from console.journal.describe import describe, where
from console.model.events import Event
from console.model.payloads import CommandIntent, CommandOutput, EventStarred, ExportWritten
from console.model.visible import visible
from console.ui.palette import themed
from console.ui.screens.base import IncidentScreen
from console.ui.widgets.event_list import EventList
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.key_footer import KeyFooter

STAR_STYLE = "bold $accent"
NOTE_STYLE = "bold $secondary"
LEFT = 48  # the columns before "What"
DETAIL_LINES = 4  # of a command or its output, in the detail below the list


def what(event: Event) -> str:
    data = event.data
    if isinstance(data, CommandOutput):
        lines = data.lines
        stream = "stderr" if data.stream == "stderr" else "output"
        last = lines[-1] if lines else ""
        return f"{stream} ({len(lines)} line{'s' if len(lines) != 1 else ''}): {last}"
    if isinstance(data, EventStarred):
        verb = "starred" if data.starred else "unstarred"
        return f"{verb} event #{data.seq}"
    if isinstance(data, ExportWritten):
        return f"wrote the document: {data.path}"
    return describe(event)


def detail_text(event: Event, annotations: list[str], starred: bool) -> Text:
    """The event in full: when, who, where, what; a command or its output; its notes."""
    who = event.who.user + (f" from {event.who.client}" if event.who.client else "")
    place = where(event)
    text = Text.assemble(
        ("★ starred · " if starred else "", themed(STAR_STYLE)),
        (visible(f"#{event.seq} · {event.ts:%H:%M:%S} UTC · {who}", one_line=True), "dim"),
        (f" · {visible(place, one_line=True)}" if place else "", "dim"),
        (f" · {visible(event.kind, one_line=True)}", "dim"),
        "\n",
        visible(what(event)),
    )
    body: list[str] = []
    if isinstance(event.data, CommandIntent):
        body = event.data.command.strip().splitlines()
    elif isinstance(event.data, CommandOutput):
        body = event.data.lines
    for line in body[:DETAIL_LINES]:
        text.append(f"\n  {visible(line, one_line=True)}", style="dim")
    if len(body) > DETAIL_LINES:
        text.append(f"\n  … {len(body) - DETAIL_LINES} more line(s)", style="dim")
    for note in annotations:
        text.append(f"\n✎ {visible(note)}", style=themed(NOTE_STYLE))
    return text


def _hay(event: Event) -> str:
    """What the filter searches: kind, system, host and step, lowered."""
    w = event.where
    return " ".join((event.kind, w.system or "", w.host or "", w.step or "")).lower()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class TimelineScreen(IncidentScreen):
    """Follow the journal live; / filters, S stars, A annotates an event, N adds a note."""

    # What the footer shows first at 80 columns; F1 lists every key.
    FOOTER = (
        "timeline.star",
        "timeline.annotate",
        "timeline.filter",
        "watch.decide",
        "timeline.note",
        "timeline.follow",
        "incident.back",
    )

    TAB = "timeline"
    BINDINGS = [
        Binding("s", "star", "Star", id="timeline.star"),
        Binding("a", "annotate", "Annotate…", id="timeline.annotate"),
        Binding("n", "note", "Note…", id="timeline.note"),
        Binding("slash", "filter", "Filter", id="timeline.filter"),
        Binding("end", "follow", "Follow", id="timeline.follow"),
        Binding("escape", "leave_filter", "Table", id="timeline.table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._seen = 0
        self._hay: list[str] = []  # lowered kind/system/host/step of each journal event
        self.filter = ""
        self._shown = ""  # the filter the rows were built with

    def compose(self) -> ComposeResult:
        yield IncidentBar(self.TAB)
        yield Input(
            placeholder="/ filter by kind, system, host or step (e.g. web-2, step., note)",
            id="timeline-filter",
            compact=True,
        )
        yield Static(
            f"{'★':<2}{'#':>5} {'Time':<8} {'Who':<9} {'Where':<20} What", id="timeline-header"
        )
        yield EventList(self.row_text, id="timeline")
        yield Static("", id="timeline-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#timeline", EventList).focus()
        self.sync()

    def row_text(self, event: Event, width: int) -> Text:
        """One timeline row, cut to `width`; only rows on screen are ever formatted."""
        line = Text(no_wrap=True, overflow="ellipsis")
        state = self.incident.state
        line.append("★" if event.seq in state.stars else " ", style=themed(STAR_STYLE))
        line.append("✎" if event.seq in state.annotations else " ", style=themed(NOTE_STYLE))
        who = _clip(visible(event.who.user, one_line=True), 9)
        place = _clip(visible(where(event), one_line=True), 20)
        line.append(f"{event.seq:>5} {event.ts:%H:%M:%S} {who:<9} {place:<20} ")
        line.append(_clip(visible(what(event), one_line=True), max(10, width - LEFT)))
        return line

    def _matching(self, events: list[Event], start: int) -> list[Event]:
        """Those of `events` (from index `start` of the journal) that the filter keeps."""
        hay = self._hay
        hay.extend(map(_hay, events[len(hay) - start :]))  # each event's text is lowered once
        words = self.filter.lower().split()
        if not words:
            return list(events)
        texts = hay[start : start + len(events)]
        return [e for e, h in zip(events, texts, strict=True) if all(x in h for x in words)]

    def sync(self) -> None:
        if not self.is_mounted:
            return
        events = self.incident.recorder.events
        start, self._seen = self._seen, len(events)
        if start < self._seen:  # stars change how rows look, so a repaint is enough for them
            found = self._matching(events[start:], start)
            self.query_one("#timeline", EventList).extend(found)
        self.show_detail()

    def show_detail(self) -> None:
        """The highlighted event in full (stars and notes may have changed it)."""
        event = self.query_one("#timeline", EventList).selected()
        state = self.incident.state
        content = (
            detail_text(event, state.annotations.get(event.seq, []), event.seq in state.stars)
            if event
            else Text("No event matches the filter.", style="dim")
        )
        self.show(self.query_one("#timeline-detail", Static), content)

    def on_event_list_moved(self, message: EventList.Moved) -> None:
        self.show_detail()

    def rebuild(self) -> None:
        events = self.incident.recorder.events
        rows = self.query_one("#timeline", EventList)
        shown, self._shown = self._shown, self.filter.lower()
        if shown and self._shown.startswith(shown) and self._seen == len(events):
            # Typing on narrows what is shown: search those rows, not the whole journal.
            words = self._shown.split()
            rows.set_rows([e for e in rows.rows if all(x in _hay(e) for x in words)])
            return
        self._seen = len(events)
        rows.set_rows(self._matching(events, 0))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter = event.value
        self.rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#timeline", EventList).focus()

    def selected_seq(self) -> int | None:
        event = self.query_one("#timeline", EventList).selected()
        return event.seq if event else None

    def action_star(self) -> None:
        seq = self.selected_seq()
        if seq is None:
            return
        self.incident.star(seq, starred=seq not in self.incident.state.stars)

    def action_note(self) -> None:
        self.app.prompt_note()

    def action_annotate(self) -> None:
        """A note about the highlighted event: shown with it here and in the document."""
        from console.ui.screens.dialogs import TextPrompt

        event = self.query_one("#timeline", EventList).selected()
        if event is None:
            return

        def annotated(text: str | None) -> None:
            if text:
                self.incident.note(text, about=event.seq)
                self.notify(f"Annotation added to event #{event.seq}.")

        self.app.push_screen(
            TextPrompt(
                f"Annotate event #{event.seq}",
                f"{event.ts:%H:%M:%S} {_clip(what(event), 200)}\n"
                "The note stays with this event, here and in the document.",
                "Annotation",
            ),
            annotated,
        )

    def action_filter(self) -> None:
        self.query_one("#timeline-filter", Input).focus()

    def action_leave_filter(self) -> None:
        """Esc: out of the filter to the table; from the table, back to the checklist."""
        events = self.query_one("#timeline", EventList)
        if events.has_focus:
            self.action_back()
        else:
            events.focus()

    def action_follow(self) -> None:
        self.query_one("#timeline", EventList).move_to(-1)

    def set_filter(self, text: str) -> None:
        self.query_one("#timeline-filter", Input).value = text
