"""The live timeline: every event, newest at the bottom, filterable, starrable,
annotatable, with the highlighted event in full below the list."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from console.journal.describe import describe, where
from console.journal.event_log import Place
from console.model.events import Event
from console.model.payloads import CommandIntent, CommandOutput, EventStarred, ExportWritten
from console.model.visible import clip, visible
from console.ui.palette import themed
from console.ui.screens.base import IncidentScreen
from console.ui.widgets.event_list import EventList
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.key_footer import KeyFooter
from console.ui.widgets.one_line import distinct_cuts, middle_cut, path_cut

STAR_STYLE = "bold $accent"
NOTE_STYLE = "bold $secondary"
LEFT = 48  # the columns before "What"
# Narrower than this, Where and What share the room after Who: at 80 columns What had 30
# cells ("run failed: non-zero exit — e…" beside "h0111 · halt-delive…").
NARROW = 100
DETAIL_LINES = 4  # of a command or its output, in the detail below the list
WROTE = "wrote the document: "


def what(event: Event, verify: str = "") -> str:
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
        return f"{WROTE}{data.path}"
    return describe(event, verify)


def _kept_name(event: Event, said: str, cells: int) -> str:
    """`said` of a written document in `cells`, the path cut from the left to keep its file
    name (at 80 columns, 'wrote the document: /tmp/h205/exports/incident-rev…')."""
    if not isinstance(event.data, ExportWritten):
        return said
    return WROTE + path_cut(visible(event.data.path, one_line=True), cells - len(WROTE))


def detail_text(event: Event, annotations: list[str], starred: bool, verify: str = "") -> Text:
    """The event in full: when, who, where, what; a command or its output; its notes."""
    who = event.who.user + (f" from {event.who.client}" if event.who.client else "")
    place = where(event)
    text = Text.assemble(
        ("★ starred · " if starred else "", themed(STAR_STYLE)),
        (visible(f"#{event.seq} · {event.ts:%H:%M:%S} UTC · {who}", one_line=True), "dim"),
        (f" · {visible(place, one_line=True)}" if place else "", "dim"),
        (f" · {visible(event.kind, one_line=True)}", "dim"),
        "\n",
        visible(what(event, verify)),
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


Cut = Callable[[str, int], str]  # a name in so many cells


def header_text(width: int) -> str:
    """The timeline's column names; narrow, Where and What are one column."""
    head = f"{'★':<2}{'#':>5} {'Time':<8} {'Who':<9} "
    return head + ("Where, what" if width < NARROW else f"{'Where':<20} What")


def wide_place(event: Event, cells: int, cut: Cut = middle_cut) -> str:
    """Where `event` happened (`web-2 · restore`) in `cells`: a host's (or system's) name
    cut in its middle by `cut`, its end kept (40-character names cut at their end read
    alike: 'payments-ledger-reco…' for every host), and the step after it as room allows."""
    name = visible(event.where.host or event.where.system or "", one_line=True)
    step = visible(event.where.step or "", one_line=True)
    if not step or not name:
        return cut(name or step, cells)
    return clip(f"{cut(name, max(12, cells - 3 - len(step)))} · {step}", cells)


def narrow_place(event: Event) -> str:
    """Where an event happened in one word, at narrow widths: its host, else its step,
    else its system (the detail below names them all)."""
    return event.where.host or event.where.step or event.where.system or ""


def _keeps(text: str) -> Callable[[Place], bool]:
    """Whether the filter `text` keeps an event at a place: each of its words is in the
    place's kind, system, host or step (lowered)."""
    words = text.lower().split()

    @cache
    def keep(place: Place) -> bool:
        hay = " ".join(part or "" for part in place).lower()
        return all(word in hay for word in words)

    return keep


class TimelineScreen(IncidentScreen):
    """Follow the journal live; / filters, S stars, A annotates an event, N adds a note."""

    # Keys typed before it was drawn are its own (its keys only ask or show): key_turns.py.
    TAKES_TYPE_AHEAD = True

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
        self.filter = ""
        self._shown = ""  # the filter the rows were built with
        self._cuts: dict[tuple[int, int], dict[str, str]] = {}  # (names known, cells)

    def compose(self) -> ComposeResult:
        yield IncidentBar(self.TAB)
        yield Input(
            placeholder="/ filter by kind, system, host or step (e.g. web-2, step., note)",
            id="timeline-filter",
            compact=True,
        )
        yield Static(header_text(self.app.size.width), id="timeline-header")
        yield EventList(self.row_text, self._event, id="timeline")
        yield Static("", id="timeline-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#timeline", EventList).focus()
        self.sync()

    def on_resize(self, event: events.Resize) -> None:
        """The header as the rows are laid out (Textual calls IncidentScreen's too)."""
        self.query_one("#timeline-header", Static).update(header_text(self.size.width))

    def _cut(self, name: str, cells: int) -> str:
        """A name in `cells` cells, cut apart from the incident's other hosts' and
        systems': two hosts that differ mid-name never read alike."""
        state = self.incident.state
        key = (len(state.hosts), cells)  # hosts join the incident as it goes on
        cuts = self._cuts.get(key)
        if cuts is None:
            names = {visible(n, one_line=True) for n in (*state.hosts, *state.systems)}
            cuts = self._cuts[key] = distinct_cuts(names, cells)
        return cuts.get(name) or middle_cut(name, cells)

    def row_text(self, event: Event, width: int) -> Text:
        """One timeline row, cut to `width`; only rows on screen are ever formatted."""
        line = Text(no_wrap=True, overflow="ellipsis")
        state = self.incident.state
        line.append("★" if event.seq in state.stars else " ", style=themed(STAR_STYLE))
        line.append("✎" if event.seq in state.annotations else " ", style=themed(NOTE_STYLE))
        who = clip(visible(event.who.user, one_line=True), 9)
        said = visible(what(event, self._verify()), one_line=True)
        if (self.size.width or self.app.size.width) < NARROW:  # as its header
            line.append(f"{event.seq:>5} {event.ts:%H:%M:%S} {who:<9} ")
            place = narrow_place(event)
            if place:
                line.append(f"{self._cut(visible(place, one_line=True), 16)} ", style="dim")
            line.append(_kept_name(event, said, width - len(line)))
            line.truncate(width, overflow="ellipsis")
            return line
        place = wide_place(event, 20, self._cut)
        line.append(f"{event.seq:>5} {event.ts:%H:%M:%S} {who:<9} {place:<20} ")
        room = max(10, width - LEFT)
        line.append(clip(_kept_name(event, said, room), room))
        return line

    def _verify(self) -> str:
        """The key that verifies a host left unknown, where it works (an open incident,
        in a console that drives it; not a follower's view, nor after the close)."""
        if self.app.read_only or self.incident.state.closed:
            return ""
        return self.app.key_label("resume.verify")

    def _event(self, index: int) -> Event:
        return self.incident.recorder.events[index]

    def _matching(self, start: int) -> Iterable[int]:
        """The indices of the journal's events from `start` that the filter keeps, chosen
        by their places: no event is read for it (output stays in its file)."""
        events = self.incident.recorder.events
        if not self.filter.split():
            return range(start, len(events))
        return events.indices(_keeps(self.filter), start)

    def sync(self) -> None:
        if not self.is_mounted:
            return
        start, self._seen = self._seen, len(self.incident.recorder.events)
        if start < self._seen:  # stars change how rows look, so a repaint is enough for them
            self.query_one("#timeline", EventList).extend(self._matching(start))
        self.show_detail()

    def show_detail(self) -> None:
        """The highlighted event in full (stars and notes may have changed it)."""
        event = self.query_one("#timeline", EventList).selected()
        state = self.incident.state
        content = (
            detail_text(
                event,
                state.annotations.get(event.seq, []),
                event.seq in state.stars,
                self._verify(),
            )
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
            keep = _keeps(self._shown)
            rows.set_rows(i for i in rows.rows if keep(events.place(i)))
            return
        self._seen = len(events)
        rows.set_rows(self._matching(0))

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
                f"{event.ts:%H:%M:%S} {clip(what(event), 200)}\n"
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
