"""An incident's life in the console: declared, its systems picked, noted, closed (aborting:
console/ui/aborting.py)."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from textual.screen import Screen

from console.engine import triage
from console.engine.closing import UnsettledClose, unknown_hosts
from console.engine.errors import ProcedureError
from console.engine.kept_locks import drill_faults_left, fault_kept_said, locks_of
from console.engine.triage import Proposal
from console.model.left_changed import left_changed
from console.model.outcome import Outcome, kept_at_close
from console.model.triggers import TriggerKind
from console.model.visible import visible
from console.ui.console_app import AppPart

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.engine.session import Engine
    from console.ui.live import LiveWatch
    from console.ui.quitting import Quitting


@dataclass
class Declaration:
    """What the trigger screen gathered; recorded only when the picker goes on."""

    kind: TriggerKind
    reason: str
    proposal: Proposal | None = None  # the automatic trigger the commander accepted
    into: Conductor | None = None  # a resumed incident that has no trigger yet
    commander: str = ""  # who is in charge (default: login name and SSH client address)


class LifecycleHost(AppPart, Protocol):
    """What an incident's life asks of the console app, beyond what every part may use."""

    engine: Engine
    live: LiveWatch
    next_incident_id: str | None
    quitting: Quitting

    @property
    def screen(self) -> Screen[Any]: ...
    @property
    def screen_stack(self) -> list[Screen[Any]]: ...

    def attach(self, incident: Conductor) -> None: ...
    def pop_screen(self) -> Any: ...
    def switch_screen(self, screen: str) -> Any: ...
    def call_after_refresh(self, callback: Callable[[], Any]) -> bool: ...
    def key_label(self, binding_id: str) -> str: ...


class Unsettled(str):
    """A close refused only because hosts' outcome is unknown: said, a key of its own
    closes it (the close dialog's `close.anyway`)."""

    __slots__ = ()


class Lifecycle:
    """The app's incident from declaration to close: declared (its trigger, a proposal
    accepted), its systems picked, noted, handed over, closed."""

    def __init__(self, app: LifecycleHost):
        self.app = app
        # Host keys accepted in the picker while declaring: written to known_hosts at once,
        # journalled in the incident the declaration opens (the picker may be left and
        # opened again meanwhile: they are kept here, not in it).
        self.unrecorded_keys: list[dict[str, Any]] = []

    def new_incident(
        self, title: str, systems: list[str] | None = None, take_over: str | None = None
    ) -> Conductor:
        """A new incident, attached, holding the locks of `systems` (claimed before it is
        recorded); the declared incident never inherits another's id, title or events."""
        conductor = self.app.engine.new_incident(
            title, incident_id=self.app.next_incident_id, systems=systems, take_over=take_over
        )
        self.app.next_incident_id = None
        self.app.attach(conductor)
        return conductor

    def declare(
        self,
        declaration: Declaration,
        systems: list[str] | None = None,
        take_over: str | None = None,
    ) -> Conductor:
        """Open the incident (a new one, holding the locks of `systems`, unless a resumed
        one waits for its trigger) and record its trigger: the accepted proposal with its
        evidence, or a manual one."""
        reason = declaration.reason.strip()
        proposal = declaration.proposal
        if proposal is None and not reason:
            raise ProcedureError(f"{declaration.kind.by_hand} needs a reason")
        conductor = declaration.into
        if conductor is None:
            firing = proposal.firing if proposal else None
            title = (
                firing.trigger.kind.incident_title(firing.reason)
                if firing
                else declaration.kind.incident_title(reason)
            )
            conductor = self.new_incident(title, systems, take_over)
        commander = declaration.commander or self.commander_name()
        if proposal is not None:
            others = self.app.live.also_firing(proposal.firing)
            triage.accept(conductor, proposal, reason, commander, others)
            self.app.live.resolved(proposal)
        else:
            conductor.declare_trigger(declaration.kind, reason, commander=commander)
        return conductor

    def commander_name(self) -> str:
        """Who declares, by default: the login name and the SSH client address."""
        return self.app.engine.actor.login

    def prompt_hand_over(self) -> None:
        """Hand command to someone else: an event; every later one carries their name."""
        from console.ui.screens.dialogs import TextPrompt

        conductor = self.app.conductor
        if conductor is None or conductor.state.closed or conductor.state.trigger is None:
            self.app.notify("No open incident to hand over.")
            return

        def handed(to: str | None) -> None:
            if not to:
                return
            try:
                conductor.hand_over(to)
            except ProcedureError as exc:
                self.app.notify(str(exc), title="Not handed over", severity="error")
                return
            self.app.notify(f"{to} is the commander now; the record says so.", title="Handed over")

        self.app.push_screen(
            TextPrompt(
                "Hand over command",
                f"{conductor.state.commander} hands the incident over. To whom? Their name"
                " is on every event from now on.",
                "e.g. alice@10.0.0.9 (database on-call)",
            ),
            handed,
        )

    def pick(
        self,
        systems: list[str],
        hosts: list[str] | None,
        strategy: str,
        params: dict[str, str],
        ssh_check: dict[str, str] | None = None,
    ) -> None:
        assert self.app.conductor is not None
        self.app.conductor.select(systems, hosts, ssh_check)
        self.app.conductor.choose_strategy(strategy, params)

    # -- automatic triggers waiting for a person ----------------------------------------

    def decide_proposal(self) -> None:
        """Decide on the newest proposal; a running countdown is held for it first. Once:
        Ctrl+T (a priority key) again while its decision is open opens no second one."""
        from console.ui.screens.proposal import ProposalDialog

        if any(isinstance(s, ProposalDialog) for s in self.app.screen_stack):
            return
        live = self.app.live
        if live.countdown is not None:
            live.hold(f"stopped at the console by {self.app.engine.actor.user} to decide")
        proposal = live.proposal
        if proposal is None:
            self.app.notify("No automatic trigger is waiting for a decision.")
            return
        self.app.push_screen(ProposalDialog(proposal))

    def accept_proposal(self, proposal: Proposal) -> None:
        """Take it as the trigger of the incident being declared (the trigger screen keeps
        what was typed), or start a declaration with it."""
        from console.ui.screens.trigger import TriggerScreen

        declaring = [s for s in self.app.screen_stack if isinstance(s, TriggerScreen)]
        if not declaring:
            self.app.push_screen(TriggerScreen(proposal=proposal))
            return
        while self.app.screen is not declaring[-1]:
            self.app.pop_screen()
        declaring[-1].take(proposal)

    # -- the end ----------------------------------------------------------------------

    def offer_close(self) -> None:
        """Offer the close, with the outcome the record suggests preselected."""
        from console.ui.screens.close import CloseDialog

        conductor = self.app.conductor
        if conductor is None:
            self.app.notify("No incident is open.")
            return
        state = conductor.state
        if state.closed:
            self.app.notify(
                f"Already closed: {state.outcome_label}. The post-rollback form can still be"
                " amended.",
                title="Closed",
            )
            return
        full = conductor.not_rolled_back()
        left = known_left(conductor)
        suggested = None
        why = conductor.refused_why()  # as headless `run` closes it: refused, with its reason
        if why:
            suggested = Outcome.REFUSED
        elif state.hosts and not full:
            suggested = Outcome.UNVERIFIED if conductor.unverified() else Outcome.ROLLED_BACK
        elif full and len(full) < len(state.hosts):  # its hosts left: those known
            suggested = Outcome.PARTIAL
        if suggested is Outcome.UNVERIFIED:
            why = conductor.unverified_why()
        self.app.push_screen(CloseDialog(suggested, left, why))

    async def close_incident(
        self, outcome: Outcome, detail: str, confirmed: bool = False
    ) -> str | None:
        """Close the attached incident; what is wrong with the choice, or None when closed.
        While a host's outcome is unknown it closes only `confirmed` (its locks kept)."""
        from console.ui.screens.close import split_hosts

        conductor = self.app.conductor
        assert conductor is not None
        try:
            if outcome is Outcome.ABORTED:
                await conductor.abort_incident(detail, confirmed)
            elif outcome is Outcome.PARTIAL:
                conductor.close(outcome, hosts=split_hosts(detail), confirmed=confirmed)
            elif outcome is Outcome.HANDED_OVER:
                conductor.close(outcome, to=detail, confirmed=confirmed)
            else:
                conductor.close(outcome, reason=detail, confirmed=confirmed)
        except UnsettledClose as exc:
            anyway = self.app.key_label("close.anyway")
            verify = self.app.key_label("resume.verify")
            said = str(exc)
            return Unsettled(
                f"Not closed: {said[:1].upper()}{said[1:]}. {anyway} closes anyway;"
                f" Esc, then {verify}, verifies first."
            )
        except ProcedureError as exc:
            return str(exc)
        self.closed()
        return None

    def closed(self) -> None:
        """After the close: no more samples into this journal; say how it ended (and what
        stays held: the locks of hosts left unknown)."""
        self.app.live.watcher.attach(None)
        assert self.app.conductor is not None  # it was just closed
        conductor = self.app.conductor
        state = conductor.state
        kept = conductor.locks_kept
        unknown = state.unknown_at_close
        for_unknown = locks_of(kept, state, unknown) if unknown else []
        said = kept_at_close(
            for_unknown,
            unknown,
            state.verifies or state.incident_id,
            state.left_by_commands(unknown),
        )
        held = f" {said[:1].upper()}{said[1:]}." if for_unknown else ""
        amended = " The form can still be amended."
        faults = drill_faults_left(state)[1] if kept else []  # a drill's, in place
        if faults and (systems := locks_of(kept, state, faults)):  # with hosts unknown too
            held += f" {fault_kept_said(systems, faults, console=True)}"
            amended = ""  # its screen says F5 too
        left = "".join(f" {line}." for line in changed_left(conductor))
        self.app.notify(
            f"{state.incident_id}: {state.outcome_label}.{left}{amended}{held}",
            title="Incident closed",
            severity="warning" if held or left else "information",
            timeout=30 if held or left else 8,
        )
        # A resumed drill cut short before its trigger opens on the declaration: closed,
        # there is nothing to declare (its quit read "not declared yet: ... not recorded").
        self.app.call_after_refresh(self._off_the_declaration)

    def _off_the_declaration(self) -> None:
        from console.ui.screens.trigger import TriggerScreen

        if isinstance(self.app.screen, TriggerScreen) and self.app.screen.into is not None:
            self.app.switch_screen("checklist")

    def prompt_note(self, step_id: str | None = None, title: str | None = None) -> None:
        """Ask for a note on `step_id` (titled `title`, else as the procedure names it: an
        ad-hoc command's, an undo's or a drill's fault is none of the procedure's)."""
        from console.ui.screens.dialogs import TextPrompt

        conductor = self.app.conductor
        if conductor is None:
            return

        def noted(text: str | None) -> None:
            if text and self.app.conductor:
                self.app.conductor.note(text, step_id)
                self.app.notify("Note added to the timeline.")

        if step_id and title is None:
            title = conductor.step(step_id).title if step_id in conductor.order else step_id
        where = f" on “{visible(title, one_line=True)}”" if title else ""
        self.app.push_screen(
            TextPrompt(f"Add a note{where}", "It becomes a timeline event.", "Note"), noted
        )


def known_left(conductor: Conductor) -> list[str]:
    """The hosts the record shows not rolled back, offered by the close as those left: a
    host whose outcome is unknown (or left running) is neither, and the close names it as
    unknown (`incident.closed`'s `unknown`), never as not rolled back."""
    unsettled = set(unknown_hosts(conductor.state))
    return [h for h in conductor.not_rolled_back() if h not in unsettled]


def changed_left(conductor: Conductor) -> list[str]:
    """What the incident left changed and the undo for each, as headless `run` says it
    (the close's toast, the line printed at quit)."""
    state = conductor.state
    where = state.incident_id or shlex.quote(str(conductor.recorder.path.parent))
    return left_changed(state, conductor.settings, where)
