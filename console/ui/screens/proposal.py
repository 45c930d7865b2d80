"""An automatic trigger waiting for the commander: accept it, merge it as evidence, or
dismiss it with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioSet, Static

from console.engine.errors import ProcedureError
from console.engine.triage import Proposal
from console.model.visible import visible
from console.ui.live import DECLARING
from console.ui.messages import WatchChanged
from console.ui.widgets.alert import evidence_lines
from console.ui.widgets.toggles import MarkedRadioButton
from console.ui.widgets.typeahead import ChoiceThenText, FieldInput

if TYPE_CHECKING:
    from console.ui.app import RollbackApp


ACCEPT, MERGE, DISMISS = "accept", "merge", "dismiss"


class ProposalDialog(ModalScreen[None]):
    """Decide on one proposal; Enter does what is chosen, Esc decides later."""

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("escape", "cancel", "Later", id="dialog.cancel"),
        # not a priority binding: one would act before the keys typed ahead of it
        Binding("enter", "decide", "Decide", id="proposal.decide"),
    ]

    def __init__(self, proposal: Proposal):
        super().__init__()
        self.proposal = proposal

    def _text(self) -> Text:
        firing = self.proposal.firing
        driving = self.app.live.driving()
        text = Text(visible(firing.reason), style="bold")  # a host's value, shown as is
        during, left = self.proposal.during, self.proposal.left_open
        here = driving.state.incident_id if driving is not None else None
        if during and here != during:
            # Seen after the close: "It waits for you: incident X is being driven."
            text.append(
                f"\nIt fired while incident {during} was being driven; nobody drives it here now."
            )
        elif left and here == left:
            # Seen once resumed: "incident X is open on edge, nobody driving it here".
            text.append(
                f"\nIt fired while incident {left} was open with nobody driving it; you drive"
                " it now: merge the firing into it as evidence, or dismiss it."
            )
        elif here and self.proposal.why == DECLARING:
            # Seen once declared: "It waits for you: a person is declaring an incident."
            text.append(
                f"\nIt fired while an incident was being declared; you drive {here} now:"
                " merge the firing into it as evidence, or dismiss it."
            )
        else:
            text.append(f"\nIt waits for you: {self.proposal.why}.")
        for line in self.app.live.declared_since(firing):
            text.append(f"\n▲ {line}: it may be handled there.", style="bold")
        for line in evidence_lines(firing):
            text.append(f"\n  {line}", style="dim")
        return text

    def compose(self) -> ComposeResult:
        firing = self.proposal.firing
        driving = self.app.live.driving()
        with Vertical(classes="dialog -danger", id="proposal-dialog"):
            yield Label(
                f"Automatic trigger fired: {firing.trigger.kind.label} ({firing.trigger.system})",
                classes="dialog-title",
            )
            with VerticalScroll(id="proposal-scroll"):
                yield Static(self._text(), classes="dialog-text", id="proposal-text")
            with ChoiceThenText(id="decision", enter_decides=True):
                if driving is None:
                    yield MarkedRadioButton(
                        "Accept: declare it as the incident's trigger", name=ACCEPT, value=True
                    )
                else:
                    yield MarkedRadioButton(
                        f"Merge it into {driving.state.incident_id} as evidence",
                        name=MERGE,
                        value=True,
                    )
                yield MarkedRadioButton("Dismiss it (say why: it is recorded)", name=DISMISS)
            yield FieldInput(
                enter_moves=False,
                placeholder="Why dismiss it? e.g. known load test",
                id="dismiss-reason",
            )
            yield Label("", id="proposal-error", classes="error-line")
            yield Static("Enter does it · ↑ ↓ Space choose · Esc: later", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#dismiss-reason", Input).display = False
        self.query_one("#decision", RadioSet).focus()

    def chosen(self) -> str:
        return self.query_one("#decision", ChoiceThenText).choice or ACCEPT

    def text_for(self, choice: str | None) -> Input | None:
        """A dismissal is followed by its reason (ChoiceThenText)."""
        reason = self.query_one("#dismiss-reason", Input)
        reason.display = choice == DISMISS  # what was typed stays if shown again
        return reason if reason.display else None

    def choice_done(self) -> None:
        self.action_decide()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_decide()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        reason = self.query_one("#dismiss-reason", Input)
        reason.display = self.chosen() == DISMISS  # what was typed stays if shown again
        if reason.display and event.radio_set.has_focus:  # from the keyboard it moved on
            reason.focus()

    def on_watch_changed(self, message: WatchChanged) -> None:
        self._fired_again()

    def _fired_again(self) -> bool:
        """Its trigger fired again since it was drawn: the new firing shown in its place,
        said so (the decision is on it). True if it had."""
        latest = self.app.live.latest(self.proposal)
        if latest is self.proposal:
            return False
        self.proposal = latest
        self.query_one("#proposal-text", Static).update(self._text())
        self.query_one("#proposal-error", Label).update(
            f"▲ It fired again at {latest.firing.fired_at:%H:%M:%S} UTC: shown above, the"
            " latest; Enter decides on it."
        )
        return True

    def action_decide(self) -> None:
        live = self.app.live
        error = self.query_one("#proposal-error", Label)
        if self._fired_again():  # not yet shown: seen before it is decided
            return
        choice = self.chosen()
        try:
            if choice == DISMISS:
                reason = self.query_one("#dismiss-reason", Input).value
                record = live.dismiss(self.proposal, reason)
                self.app.notify(f"Recorded in {record}.", title="Trigger dismissed")
            elif choice == MERGE:
                record = live.merge(self.proposal)
                self.app.notify(f"Its evidence is in {record}.", title="Trigger merged")
            else:
                self.dismiss(None)
                self.app.lifecycle.accept_proposal(self.proposal)
                return
        except (ValueError, ProcedureError) as exc:
            error.update(f"✘ {exc}")
            return
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
