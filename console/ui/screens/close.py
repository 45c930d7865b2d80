"""Close the incident with its outcome: what happened, and the reason, hosts or successor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioSet, Static
from textual.widgets.input import Selection

from console.engine.kept_locks import fault_lock_kept
from console.model.invocation import PROGRAM
from console.model.kinds import done_by, no_verify
from console.model.loose_ends import loose_ends
from console.model.outcome import (
    CHOSEN,
    ROLLED_BACK,
    Outcome,
    named,
    them,
    titled,
    verify_by_hand,
)
from console.model.status import HostStatus
from console.model.visible import visible
from console.ui.lifecycle import Unsettled
from console.ui.widgets.toggles import MarkedRadioButton, highlight_pressed
from console.ui.widgets.typeahead import ChoiceThenText, FieldInput

if TYPE_CHECKING:
    from console.ui.app import RollbackApp


ASKS = {
    "reason": ("Why? It goes into the record.", "e.g. the error rate was a load test"),
    "hosts": (
        "Hosts NOT rolled back (comma-separated), from the record:",
        "e.g. web-2, web-3",
    ),
    "to": ("Handed over to whom?", "e.g. alice (database on-call), #inc-bridge"),
}
# An outcome whose question is not its need's usual one.
ASKS_FOR = {
    Outcome.UNVERIFIED: (
        "How was it checked instead, or why not? It goes into the record.",
        "e.g. no probes on web yet; checkout tried by hand",
    ),
    Outcome.REFUSED: (
        "Why? From the record (nothing changed on the refused hosts):",
        "e.g. “Restore” refused at the precheck on web-2",
    ),
    # ASKS' example (a load test) is a false alarm's: an abort stops a rollback under way.
    Outcome.ABORTED: (
        "Why? It goes into the record.",
        "e.g. the canary's errors rose after the rollback; stopped to investigate",
    ),
}
# An outcome offered under another name than its title.
SAID = {Outcome.REFUSED: "Refused at the precheck (nothing to do)"}
NOTHING_ASKED = ("This outcome needs nothing more: the record shows it.", "")
NOTHING_CHOSEN = ("Choose how it ended (↑ ↓ then Space).", "")


def split_hosts(text: str) -> list[str]:
    return [h for h in text.replace(",", " ").split() if h]


class CloseDialog(ModalScreen[None]):
    """Choose the outcome and say what it needs; Enter closes, Esc goes back."""

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("escape", "cancel", "Back", id="dialog.cancel"),
        # not a priority binding: one would act before the keys typed ahead of it
        Binding("enter", "close", "Close incident", id="close.submit"),
        # While a host's outcome is unknown Enter does not close: this key does, once
        # Enter has said what stays held (a key of its own, never typed ahead by chance).
        Binding("f7", "close_anyway", "Close anyway", id="close.anyway", show=False),
    ]

    def __init__(self, suggested: Outcome | None, left: list[str], why: str = ""):
        """`why`: the suggested outcome's reason from the record (the stability check's
        skip reason or failure), offered selected: Enter keeps it, typing replaces it."""
        super().__init__()
        self.suggested = suggested
        self.left = left
        # What is typed for each kind of detail, kept when the outcome changes.
        self.typed: dict[str, str] = {"hosts": ", ".join(left)}
        self.offered = {suggested: why} if suggested and why else {}
        self.need: str | None = None
        # Enter said the hosts unknown and the locks that stay: the next close is confirmed.
        self.armed = False
        # Hosts unknown: the dialog's every row is used at 80x24 (the refusal's too), so an
        # empty refusal takes none, and once said it stands for the hint.
        self.tight: list[str] = []  # the hosts unknown it says, at its opening

    def compose(self) -> ComposeResult:
        assert self.app.conductor is not None  # only an open incident is closed
        incident = self.app.conductor.state.incident_id
        done = done_by(self.app.settings, self.app.conductor.state)  # `re-enabled` ...
        extra = " -extra-choice" if len(self.choices()) > len(CHOSEN) else ""
        # what stays held, said: the dialog still fits 24 rows, its refusal too
        self.tight = self.unknown()
        # steps not done, updates not delivered: said when no host is unknown (which says more)
        left = (
            "" if self.tight else loose_ends(self.app.settings.procedure, self.app.conductor.state)
        )
        extra += " -unknown" if self.tight else " -loose" if left else ""
        with Vertical(classes="dialog" + extra, id="close-dialog"):
            yield Label(f"Close incident {incident}", classes="dialog-title")
            yield Static(visible(self.said(left)), classes="dialog-text", markup=False)
            with ChoiceThenText(id="close-outcome", enter_decides=True):
                for outcome in self.choices():
                    yield MarkedRadioButton(
                        SAID.get(outcome, titled(outcome, done).capitalize()),
                        name=outcome.value,
                        value=outcome is self.suggested,
                    )
            yield Label("", id="close-ask")
            yield FieldInput(enter_moves=False, id="close-detail")
            closes = "Enter closes"
            if self.tight:
                closes = f"Enter, then {self.app.key_label('close.anyway')}, closes"
            with Vertical(id="close-foot"):  # in sight whatever scrolls above it
                yield Label("", id="close-error", classes="error-line")
                yield Static(f"{closes} · ↑ ↓ Space choose · Esc goes back", classes="dialog-hint")

    def unknown(self) -> list[str]:
        """The hosts whose outcome is unknown, or left running, that the close would keep
        locked; not those of a step running now (an abort stops it first: its hosts end
        aborted, and only those it cannot settle stay unknown, said at Enter)."""
        conductor = self.app.conductor
        assert conductor is not None
        running = set(conductor.running)
        state = conductor.state
        return sorted(
            {
                host
                for status in (HostStatus.UNKNOWN, HostStatus.RUNNING)
                for step, host in state.hosts_with(status)
                if step not in running
            }
        )

    def verifies(self) -> str:
        """What V does for the hosts unknown: their step's verify, or, where none has one
        (a command step's), whether it still runs there (seen: the close said "v verifies
        them first" where the banner said "no verify: check by hand")."""
        conductor = self.app.conductor
        assert conductor is not None
        running, state = set(conductor.running), conductor.state
        steps = {
            step
            for status in (HostStatus.UNKNOWN, HostStatus.RUNNING)
            for step, _host in state.hosts_with(status)
            if step not in running
        }
        if steps and all(no_verify(conductor.settings, state, step) for step in steps):
            return "says if it still runs"
        return ""

    def said(self, left: str) -> str:
        """What the close does, and what it leaves undone (`left`); while hosts' outcome is
        unknown (a change may still run there, and once closed no V / R is offered), that
        their locks stay held past it and how they go."""
        conductor = self.app.conductor
        assert conductor is not None
        unknown = self.tight
        faults = conductor.closing.drill_faults_left()
        if faults and not unknown and (kept := conductor.closing.kept_at_close(faults)):
            lock = f"lock{'s' if len(kept) > 1 else ''} on {', '.join(kept)}"
            return (  # no "How did it end?": the outcomes under it ask, and it fits 24 rows
                f"{left} Closed, the {lock} stay{'' if kept[1:] else 's'} held."
                f" {fault_lock_kept(kept, faults, console=True)}."
            ).lstrip()
        if not unknown:
            return (
                "How did it end? The close records the end time and releases the locks;"
                " the form can still be filled afterwards, as amendments."
                + (f" {left}" if left else "")
            )
        kept = conductor.closing.kept_at_close(unknown)
        lock = f"lock{'s' if len(kept) > 1 else ''} on {', '.join(kept)}"
        # Left by steps with no verify (`verify` refuses them): an exec checks them, whole
        # in the lines this console prints as it quits.
        how = (
            f"a check by hand, {PROGRAM} exec --take-over-lock REASON ... 'COMMAND'"
            if conductor.state.left_by_commands(unknown)
            else f"the verify by hand, {verify_by_hand(conductor.state.incident_id, config=False)}"
        )
        stays = (
            f" Closed now, the {lock} stay{'' if len(kept) > 1 else 's'} held: no other"
            " incident runs there, and once this console has quit only one given"
            f" --take-over-lock REASON takes it over: {how}."
            if kept
            else ""
        )
        return (  # no "How did it end?": the outcomes under it ask, and it fits 24 rows
            f"Outcome unknown on {named(unknown)}: a change may still run"
            f" there; {self.app.key_label('resume.verify')}"
            + (
                f" {self.verifies()} (Esc; no verify: check by hand)."
                if self.verifies()
                else f" verifies {them(unknown)} first (Esc)."
            )
            + stays
            + self._fault_kept(faults)
        )

    def _fault_kept(self, faults: list[str]) -> str:
        """With hosts unknown, a drill's fault in place on `faults`: the lock the close keeps
        for it too, and what releases it (seen: the dialog said only the unknown hosts'
        lock; the close kept both, and the report after it said both)."""
        conductor = self.app.conductor
        assert conductor is not None
        kept = conductor.closing.kept_at_close(faults) if faults else []
        if not kept:
            return ""
        lock = f"lock{'s' if kept[1:] else ''} on {', '.join(kept)}"
        return (
            f" NOT UNDONE: a drill's fault on {', '.join(faults)}; closed, the {lock}"
            f" stay{'' if kept[1:] else 's'} held for it too."
            f" {fault_lock_kept(kept, faults, console=True)}."
        )

    def choices(self) -> tuple[Outcome, ...]:
        """A commander's choices, and the outcome the record suggests if it is none of them
        (refused: as headless `run` would close it)."""
        if self.suggested is None or self.suggested in CHOSEN:
            return CHOSEN
        return (*CHOSEN, self.suggested)

    def on_mount(self) -> None:
        self._refuse("")
        self._asks(self.chosen())
        radios = self.query_one("#close-outcome", RadioSet)
        highlight_pressed(radios)
        radios.focus()

    def chosen(self) -> Outcome | None:
        choice = self.query_one("#close-outcome", ChoiceThenText).choice
        return Outcome(choice) if choice else None

    def _asks(self, outcome: Outcome | None) -> None:
        """Ask for what the outcome needs; a reason typed for one outcome stays for the
        next that needs a reason, the hosts for the hosts."""
        need = outcome.needs if outcome else None
        detail = self.query_one("#close-detail", Input)
        if self.need and detail.value not in self.offered.values():
            self.typed[self.need] = detail.value  # what the record offered is not carried
        self.need = need
        asked = ASKS_FOR.get(outcome) if outcome else None
        ask, placeholder = asked or ASKS.get(
            need or "", NOTHING_ASKED if outcome else NOTHING_CHOSEN
        )
        # "needs nothing more" only when the record does show it: else why not, at once.
        conductor = self.app.conductor
        unproven = (
            conductor.closing.unproven() if conductor and outcome is Outcome.ROLLED_BACK else ""
        )
        if need == "hosts" and not asked:  # the input shows a few of 150, or none
            many = f"{len(self.left)}" if self.left else "none known"  # not the example's
            ask = ask.replace("from the record", f"{many} from the record")
        label = self.query_one("#close-ask", Label)
        if conductor is not None:  # `Hosts NOT re-enabled` after a gradual re-enable
            ask = ask.replace(ROLLED_BACK, done_by(self.app.settings, conductor.state))
        label.update(ask)
        label.display = not unproven
        if unproven:
            self._refuse(f"✘ {unproven}")
        detail.placeholder = placeholder
        detail.display = need is not None
        offered = self.offered.get(outcome) if outcome else None
        if offered and not self.typed.get(need or ""):
            detail.value = offered
            detail.selection = Selection(0, len(offered))
        else:
            detail.value = self.typed.get(need or "", "")

    def text_for(self, choice: str | None) -> Input | None:
        """The outcome's reason, hosts or successor, asked at once (ChoiceThenText)."""
        self._asks(Outcome(choice) if choice else None)
        detail = self.query_one("#close-detail", Input)
        return detail if detail.display else None

    def choice_done(self) -> None:
        self.call_later(self.action_close)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.call_later(self.action_close)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._refuse("")
        self._asks(self.chosen())
        detail = self.query_one("#close-detail", Input)
        if detail.display and event.radio_set.has_focus:  # from the keyboard it moved on
            detail.focus()
        self._detail_in_sight()

    def _detail_in_sight(self) -> None:
        """The reason field, once shown or refused, scrolled into sight above the foot: a
        long text above it (a drill's fault, its command with `--config /a/long/path`)
        runs the dialog past 24 rows, and the field went under the foot unseen."""
        detail = self.query_one("#close-detail", Input)
        if detail.display:
            self.call_after_refresh(detail.scroll_visible, animate=False)

    async def action_close_anyway(self) -> None:
        """Close while hosts are unknown, their locks kept; before Enter has said so, what
        Enter does (it says so)."""
        await self.action_close(confirmed=self.armed)

    async def action_close(self, confirmed: bool = False) -> None:
        outcome = self.chosen()
        if outcome is None:
            self._refuse("✘ Choose how it ended first (↑ ↓ then Space).")
            return
        detail = self.query_one("#close-detail", Input).value
        problem = await self.app.lifecycle.close_incident(outcome, detail, confirmed)
        if isinstance(problem, Unsettled):
            self.armed = True  # what stays held is said: the key named closes now
        if isinstance(problem, Unsettled) and self.tight == self.unknown():
            # which hosts, and what stays held, is said above: the keys alone, whole
            anyway = self.app.key_label("close.anyway")
            verify = self.app.key_label("resume.verify")
            problem = Unsettled(
                f"Not closed: {anyway} closes anyway; Esc, then {verify},"
                f" {self.verifies() or 'verifies first'}."
            )
        if problem:
            self._refuse(f"✘ {problem}", instead_of_hint=isinstance(problem, Unsettled))
            field = self.query_one("#close-detail", Input)
            if field.display:  # what is missing is typed there next
                field.focus()
            else:  # "nothing more is needed" is not so: the refusal says what is
                self.query_one("#close-ask", Label).display = False
            return
        self.dismiss(None)

    def _refuse(self, said: str, instead_of_hint: bool = False) -> None:
        """Say why it does not close ("" clears it); `instead_of_hint`: it names the keys
        the hint does (F7 closes anyway), and takes its row."""
        error = self.query_one("#close-error", Label)
        error.update(said)
        self._detail_in_sight()
        if self.tight:
            error.display = bool(said)
            self.query_one(".dialog-hint", Static).display = not (said and instead_of_hint)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def unsaved_note(self, why: str) -> str:
        """The note that keeps the outcome chosen here and what is typed for it, never
        confirmed, once the console ends (`why`) with this dialog open; "" when nothing is
        typed (what the record offered, or the hosts it named, are not the commander's)."""
        if not self.is_mounted or (outcome := self.chosen()) is None:
            return ""
        detail = self.query_one("#close-detail", Input)
        text = detail.value.strip() if detail.display else ""
        if not text or text in self.offered.values() or text == ", ".join(self.left):
            return ""
        button = self.query_one("#close-outcome", RadioSet).pressed_button
        chosen = button.label.plain if button is not None else outcome.value
        return (
            f"Close incident: left unanswered when the console ended ({why}), so not closed;"
            f" chosen: {chosen}; typed: “{text}”"
        )
