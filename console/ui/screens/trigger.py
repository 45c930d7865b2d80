"""Trigger declaration: automatic triggers with their evidence, manual ones with a reason."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, RadioSet, Static

from console.engine.triage import Proposal
from console.engine.watcher import Firing, Watcher
from console.model.auto_triggers import AutoTrigger
from console.model.probe_text import sample_text
from console.model.triggers import AUTOMATIC, MANUAL, TriggerKind
from console.model.visible import clip, visible
from console.model.watch import SampleState, judged, probe_key
from console.ui.lifecycle import Declaration
from console.ui.messages import WatchChanged
from console.ui.palette import themed
from console.ui.widgets.alert import evidence_lines
from console.ui.widgets.key_footer import KeyFooter
from console.ui.widgets.one_line import OneLine
from console.ui.widgets.toggles import MarkedRadioButton, highlight_pressed
from console.ui.widgets.typeahead import ChoiceThenText, FieldInput
from console.ui.widgets.watch_line import WatchLine

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.ui.app import RollbackApp

AUTO = "automatic"
DISMISSED_WHY = 30  # cells of the reasons the triggers dismissed here were given
WHY_AT_LEAST = 12  # of them where the screen is narrow: the line wraps, the reasons kept
TALL = 30  # rows from which every evidence sample of a proposal is shown, not the latest


def _watched(watcher: Watcher, trigger: AutoTrigger) -> tuple[str, str]:
    """(state, what) of one automatic trigger from the latest readings."""
    key = probe_key(trigger.system, trigger.probe)
    reading = watcher.readings.get(key)
    if reading is None or reading.last is None:
        return "quiet", f"{key} not sampled yet"
    streak = next((s for s in reading.streaks if s.trigger.name == trigger.name), None)
    # The value as the probe table shows it (`2/2 ok`; a vote's count of bad hosts, `0`,
    # read as a reading of zero), then the streak as its Streak column does: `0 (0/2 bad)`
    # read as none of two hosts bad, beside the table's `2/2 ok` (walked by helper-133).
    # Judged as its streak is, at the trigger's own level: the probe's may be bad on a round
    # the trigger cannot judge (a host unread, the others under its level), or the reverse.
    seen = judged(reading.probe, reading.last, trigger)
    value = visible(sample_text(reading.probe, seen), one_line=True)
    what = f"{key} = {value}" + (
        f" (streak {streak.count}/{trigger.consecutive})" if streak else ""
    )
    if streak and streak.fired:  # and now reading too little to judge: blind, not firing
        return ("blind" if seen.state is SampleState.INCONCLUSIVE else "firing"), what
    if any(t is trigger for t, _ in watcher.blind([trigger.system])):
        # Read `○ quiet` with every host unread: a probe that sees nothing fires nothing.
        return "blind", what
    if streak and streak.count:
        return "bad", what
    return "quiet", what


def _none_waiting(watcher: Watcher, dismissed: dict[str, str], width: int = 76) -> str:
    """What the automatic triggers come to with none waiting for a decision: none watches,
    none fired, or those that fired were dismissed (said with why: the screen read "None
    of these automatic triggers has fired" under two lines reading "▲ firing"), on one
    line of `width` cells: the reasons are cut to what is left of it (the records have
    them; walked at 80x24, a line of 81 in 76 cells took two rows)."""
    triggers = watcher.settings.triggers.triggers
    if not triggers:
        return "No automatic trigger watches here (triggers.toml): declare one below."
    blind = sum(1 for t in triggers if _watched(watcher, t)[0] == "blind")
    tail = ""
    if blind:
        tail += ", and the" + (" blind one reads" if blind == 1 else f" {blind} blind read")
        tail += " nothing"
    tail += ": declare one by hand below."
    if not dismissed:
        said = "None of these automatic triggers has fired" if not blind else "None has fired"
        return said + tail
    head = f"{len(dismissed)} fired, dismissed ("
    room = max(WHY_AT_LEAST, width - len(head) - len(tail) - 1)
    return f"{head}{quoted_cut(dismissed.values(), room)}){tail}"


def quoted_cut(reasons: Iterable[str], width: int = DISMISSED_WHY) -> str:
    """`“handled by the headless run…”`: each reason quoted, once, cut to `width` with
    its quote closed (walked: '(“handled by the headless run …): declare one by hand')."""
    text = "; ".join(f"“{visible(r, one_line=True)}”" for r in dict.fromkeys(reasons))
    said = clip(text, width)
    if "“" in said.rsplit("”", 1)[-1]:  # cut inside a quote: closed, within `width`
        said = clip(text, width - 1) + "”"
    return said


def auto_line(kind: TriggerKind, watcher: Watcher, firing: Firing | None) -> Text:
    """One automatic kind: the worst state of its triggers, symbol and word, and the probe."""
    triggers = [t for t in watcher.settings.triggers.triggers if t.kind is kind]
    if not triggers:
        return Text(f"– no probe  {kind.label}", style="dim")
    states = [_watched(watcher, t) for t in triggers]
    if firing is not None and firing.trigger.kind is kind:
        states.insert(0, ("firing", visible(firing.reason.split(": ", 1)[-1], one_line=True)))
    order = ["firing", "bad", "blind", "quiet"]
    state, what = min(states, key=lambda s: order.index(s[0]))
    symbol, style = {
        "firing": ("▲", "bold $error"),
        "bad": ("✘", "$warning"),
        "blind": ("?", "bold $warning"),
        "quiet": ("○", "dim"),
    }[state]
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{symbol} {state:<7}", style=themed(style))
    line.append(kind.label, style="bold" if state != "quiet" else "")
    line.append(f" · {what}", style="dim")
    return line


class TriggerScreen(Screen):
    """Say why the rollback happens: a firing automatic trigger, or a manual one and a
    reason. Nothing is recorded until the picker goes on; Esc there comes back here with
    everything kept."""

    # Keys typed before it was drawn are its own (a declaration typed as it opens): key_turns.py.
    TAKES_TYPE_AHEAD = True

    # What the footer shows first at 80 columns; F1 lists every key.
    FOOTER = ("trigger.declare", "watch.decide", "trigger.back")

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("escape", "back", "Back", id="trigger.back"),
        Binding("ctrl+s", "declare", "Continue", id="trigger.declare"),
    ]

    def __init__(self, proposal: Proposal | None = None, into: Conductor | None = None):
        super().__init__()
        self.proposal = proposal
        self.into = into

    def compose(self) -> ComposeResult:
        yield Static(" Declare the rollback trigger   step 1 of 2", classes="screen-title")
        yield WatchLine()
        with VerticalScroll(id="trigger-body", can_focus=False):
            yield Label(
                "Automatic triggers (watched by probes)", id="auto-title", classes="section-title"
            )
            with Grid(id="auto-triggers"):
                for kind in sorted(AUTOMATIC, key=list(TriggerKind).index):
                    yield OneLine(id=f"auto-{kind.value}")
            yield Static("", id="auto-summary")
            yield Label("Trigger: choose one (↑ ↓, Space)", classes="section-title")
            with ChoiceThenText(id="manual-triggers"):
                yield MarkedRadioButton("", name=AUTO, disabled=True)
                for kind in MANUAL:
                    yield MarkedRadioButton(kind.label, name=kind.value)
                for kind in sorted(AUTOMATIC, key=list(TriggerKind).index):
                    yield MarkedRadioButton(f"{kind.label} (by hand)", name=kind.value)
            yield Label("Reason (required unless a probe's trigger fired: it opens the record)")
            yield FieldInput(
                enter_moves=False, placeholder="What did you see? Who decided?", id="reason"
            )
            with Horizontal(id="commander-row"):
                yield Label("Commander ", classes="inline-label")
                yield FieldInput(enter_moves=False, id="commander", compact=True)
            yield Label("", id="trigger-error", classes="error-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        radios = self.query_one("#manual-triggers", ChoiceThenText)
        self._auto_button().display = False
        if self.proposal is not None:
            self.take(self.proposal)
        elif self.app.draft is not None:  # what was typed before Esc, back as it was
            chosen, reason = self.app.draft
            for button in radios.query(MarkedRadioButton):
                button.value = button.name == chosen
            radios.choice = chosen
            self.query_one("#reason", FieldInput).prefill(reason)
            highlight_pressed(radios)
        self.app.draft = None
        commander = self.query_one("#commander", Input)
        into = self.into.state.commander if self.into else None
        commander.value = into or self.app.lifecycle.commander_name()
        self.refresh_auto()
        radios.focus()

    def take(self, proposal: Proposal) -> None:
        """Offer `proposal` as the trigger, chosen; what was typed stays."""
        self.proposal = proposal
        button = self._auto_button()
        button.label = f"{proposal.firing.trigger.kind.label} (automatic, fired)"
        button.disabled = False
        button.display = True
        button.value = True
        self.query_one("#manual-triggers", ChoiceThenText).choice = AUTO
        reason = self.query_one("#reason", FieldInput)
        if not reason.value:
            reason.prefill(visible(self.app.live.proposed_reason(proposal.firing), one_line=True))
        self.query_one("#trigger-error", Label).update("")
        for shown in self.query("#auto-title, #auto-triggers"):
            shown.display = False  # the proposal below says what fired, with its evidence
        for by_hand in self.query(MarkedRadioButton):  # its kind by hand: the same words again
            by_hand.display = by_hand.name != proposal.firing.trigger.kind.value
        self.refresh_auto()
        # What fired heads the screen: shown from its first line, whatever has focus.
        body = self.query_one("#trigger-body", VerticalScroll)
        self.call_after_refresh(body.scroll_home, animate=False)

    def _auto_button(self) -> MarkedRadioButton:
        return next(b for b in self.query(MarkedRadioButton) if b.name == AUTO)

    def on_watch_changed(self, message: WatchChanged) -> None:
        if self.proposal is not None:  # its trigger fired again: the latest, declared
            self.proposal = self.app.live.latest(self.proposal)
        self.refresh_auto()
        for line in self.query(WatchLine):
            line.sync()

    def refresh_auto(self) -> None:
        watcher = self.app.live.watcher
        firing = self.proposal.firing if self.proposal else None
        for kind in AUTOMATIC:
            self.query_one(f"#auto-{kind.value}", OneLine).update(auto_line(kind, watcher, firing))
        watched = bool(watcher.settings.triggers.triggers)
        self.query_one("#auto-triggers").display = watched and self.proposal is None
        summary = self.query_one("#auto-summary", Static)
        if self.proposal is None:
            # A proposal waiting is said by the watch line above, with its key: not twice.
            summary.display = self.app.live.proposal is None
            # Text: the reasons are typed words, never markup ("[OPS-7]" vanished, "[/]" raised)
            width = summary.content_region.width or self.app.size.width - 4  # before layout
            summary.update(Text(_none_waiting(watcher, self.app.live.dismissed, width)))
            summary.set_class(False, "-firing")
            return
        summary.display = True
        lines = evidence_lines(self.proposal.firing)
        shown = lines[-1:] if self.app.size.height < TALL else lines  # 24 rows keep the choice
        which = f"the latest of {len(lines)} samples" if len(shown) < len(lines) else "Evidence"
        text = Text.assemble(
            ("▲ Proposed: ", "bold"),
            visible(self.app.live.proposed_reason(self.proposal.firing)),
            f"\n{which.capitalize()} ({self.app.key_label('trigger.declare')} declares it; or"
            " choose another trigger below):",
        )
        for line in shown:
            text.append(f"\n  {line}", style="dim")
        summary.update(text)
        summary.set_class(True, "-firing")

    def chosen(self) -> str | None:
        return self.query_one("#manual-triggers", ChoiceThenText).choice or None

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.has_focus:  # a click; from the keyboard it has moved on already
            self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_declare()

    def declaration(self) -> Declaration | None:
        """What was chosen and typed, or None (and the error shown) if it is not enough."""
        reason = self.query_one("#reason", Input).value
        error = self.query_one("#trigger-error", Label)
        chosen = self.chosen()
        if chosen is None:
            which = "the automatic trigger or another" if self.proposal else "a trigger"
            error.update(f"✘ Choose {which} first (↑ ↓ then Space).")
            error.scroll_visible(animate=False)
            self.query_one("#manual-triggers", RadioSet).focus()
            return None
        if chosen == AUTO and self.proposal is not None:
            kind = self.proposal.firing.trigger.kind
            return Declaration(kind, reason, self.proposal, self.into, self.commander())
        if not reason.strip():
            error.update("✘ Type a reason before you go on: a trigger declared by hand needs one.")
            error.scroll_visible(animate=False)
            self.query_one("#reason", Input).focus()
            return None
        error.update("")
        return Declaration(TriggerKind(chosen), reason, into=self.into, commander=self.commander())

    def text_for(self, choice: str | None) -> Input:
        """Every trigger is followed by its reason (ChoiceThenText)."""
        return self.query_one("#reason", Input)

    def choice_done(self) -> None:
        self.action_declare()

    def commander(self) -> str:
        return self.query_one("#commander", Input).value.strip()

    def action_declare(self) -> None:
        from console.ui.screens.picker import PickerScreen

        declaration = self.declaration()
        if declaration is None:
            return
        preselect = [declaration.proposal.firing.trigger.system] if declaration.proposal else []
        self.app.push_screen(PickerScreen(preselect=preselect, declaration=declaration))

    def unsaved_note(self, why: str) -> str:
        """The note that keeps the declaration under way, nothing of it recorded, once the
        console is ended from outside (`why`) on it: into the incident it declares (resumed
        without its trigger), or, of a new one, into the incident this console drives, said
        so. A quit asked first, saying that none of it is recorded: none is."""
        from console.ui.screens.dialogs import typed_note

        quitting = self.app.quitting
        if not self.is_mounted or quitting.ended_by is None or quitting.declaring() is not self:
            return ""  # quit, or it went on: the declaration is recorded
        chosen, proposal = self.chosen(), self.proposal
        kind = proposal.firing.trigger.kind if chosen == AUTO and proposal else chosen
        said = TriggerKind(kind).label if kind else "none chosen"
        reason = self.query_one("#reason", Input).value.strip()
        title = "Declare the trigger" if self.into else "Declare a new incident (not this one)"
        so = ", so not declared" if self.into else ", so nothing of it was recorded"
        return typed_note(title, why, reason, f"{so}; trigger: {said}")

    def action_back(self) -> None:
        """Back to home; what was chosen and typed waits for the next declaration."""
        reason = self.query_one("#reason", Input).value
        chosen = self.chosen()
        if (reason or chosen) and chosen != AUTO and self.into is None:
            self.app.draft = (chosen, reason)
        self.dismiss()
