"""An incident's life in the console: declared, its systems picked, noted, aborted, closed."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work

from console.engine import triage
from console.engine.conductor import Conductor, ProcedureError
from console.engine.triage import Proposal
from console.model.outcome import Outcome
from console.model.triggers import TriggerKind
from console.ui.console_app import ConsoleApp


@dataclass
class Declaration:
    """What the trigger screen gathered; recorded only when the picker goes on."""

    kind: TriggerKind
    reason: str
    proposal: Proposal | None = None  # the automatic trigger the commander accepted
    into: Conductor | None = None  # a resumed incident that has no trigger yet
    commander: str = ""  # who is in charge (default: login name and SSH client address)


class IncidentLifecycle(ConsoleApp):
    """Mixed into the app, which provides `engine`, `conductor`, `attach` and `live`."""

    def new_incident(
        self, title: str, systems: list[str] | None = None, take_over: str | None = None
    ) -> Conductor:
        """A new incident, attached, holding the locks of `systems` (claimed before it is
        recorded); the declared incident never inherits another's id, title or events."""
        conductor = self.engine.new_incident(
            title, incident_id=self.next_incident_id, systems=systems, take_over=take_over
        )
        self.next_incident_id = None
        self.attach(conductor)
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
            raise ProcedureError(f"a manual trigger ({declaration.kind.label}) needs a reason")
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
            others = self.live.also_firing(proposal.firing)
            triage.accept(conductor, proposal, reason, commander, others)
            self.live.resolved(proposal)
        else:
            conductor.declare_trigger(declaration.kind, reason, commander=commander)
        return conductor

    def commander_name(self) -> str:
        """Who declares, by default: the login name and the SSH client address."""
        return self.engine.actor.login

    def prompt_hand_over(self) -> None:
        """Hand command to someone else: an event; every later one carries their name."""
        from console.ui.screens.dialogs import TextPrompt

        conductor = self.conductor
        if conductor is None or conductor.state.closed or conductor.state.trigger is None:
            self.notify("No open incident to hand over.")
            return

        def handed(to: str | None) -> None:
            if not to:
                return
            try:
                conductor.hand_over(to)
            except ProcedureError as exc:
                self.notify(str(exc), title="Not handed over", severity="error")
                return
            self.notify(f"{to} is the commander now; the record says so.", title="Handed over")

        self.push_screen(
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
        assert self.conductor is not None
        self.conductor.select(systems, hosts, ssh_check)
        self.conductor.choose_strategy(strategy, params)

    # -- automatic triggers waiting for a person ----------------------------------------

    def action_decide_proposal(self) -> None:
        """Decide on the newest proposal; a running countdown is held for it first."""
        from console.ui.screens.proposal import ProposalDialog

        live = self.live
        if live.countdown is not None:
            live.hold(f"stopped at the console by {self.engine.actor.user} to decide")
        proposal = live.proposal
        if proposal is None:
            self.notify("No automatic trigger is waiting for a decision.")
            return
        self.push_screen(ProposalDialog(proposal))

    def accept_proposal(self, proposal: Proposal) -> None:
        """Take it as the trigger of the incident being declared (the trigger screen keeps
        what was typed), or start a declaration with it."""
        from console.ui.screens.trigger import TriggerScreen

        declaring = [s for s in self.screen_stack if isinstance(s, TriggerScreen)]
        if not declaring:
            self.push_screen(TriggerScreen(proposal=proposal))
            return
        while self.screen is not declaring[-1]:
            self.pop_screen()
        declaring[-1].take(proposal)

    # -- the end ----------------------------------------------------------------------

    def action_close_incident(self) -> None:
        """Offer the close, with the outcome the record suggests preselected."""
        from console.ui.screens.close import CloseDialog

        conductor = self.conductor
        if conductor is None:
            self.notify("No incident is open.")
            return
        state = conductor.state
        if state.closed:
            self.notify(
                f"Already closed: {state.outcome_label}. The post-rollback form can still be"
                " amended.",
                title="Closed",
            )
            return
        left = conductor.not_rolled_back()
        suggested = None
        if state.hosts and not left and not conductor.unverified():
            suggested = Outcome.ROLLED_BACK
        elif left and len(left) < len(state.hosts):
            suggested = Outcome.PARTIAL
        self.push_screen(CloseDialog(suggested, left))

    async def close_incident(self, outcome: Outcome, detail: str) -> str | None:
        """Close the attached incident; what is wrong with the choice, or None when closed."""
        from console.ui.screens.close import split_hosts

        conductor = self.conductor
        assert conductor is not None
        try:
            if outcome is Outcome.ABORTED:
                await conductor.abort_incident(detail)
            elif outcome is Outcome.PARTIAL:
                conductor.close(outcome, hosts=split_hosts(detail))
            elif outcome is Outcome.HANDED_OVER:
                conductor.close(outcome, to=detail)
            else:
                conductor.close(outcome, reason=detail)
        except ProcedureError as exc:
            return str(exc)
        self.closed()
        return None

    def closed(self) -> None:
        """After the close: no more samples into this journal; say how it ended."""
        self.live.watcher.attach(None)
        assert self.conductor is not None  # it was just closed
        state = self.conductor.state
        self.notify(
            f"{state.incident_id}: {state.outcome_label}. The form can still be amended.",
            title="Incident closed",
            timeout=8,
        )

    def prompt_abort(self, then_quit: bool = False) -> None:
        """Abort the running step (the incident stays open; the console quits after, when
        quitting asked), or, with nothing running, the whole incident (it closes as
        aborted). Both need a reason."""
        from console.ui.screens.dialogs import TextPrompt

        conductor = self.conductor
        if conductor is None:
            return
        if conductor.state.closed:
            self.notify(f"The incident is closed: {conductor.state.outcome_label}.")
            return
        if not conductor.running:
            self.prompt_abort_incident()
            return

        def aborted(reason: str | None) -> None:
            if reason and then_quit:
                self.abort_then_quit(reason)
            elif reason:
                self.abort(reason)

        self.push_screen(
            TextPrompt(
                "Abort the running step",
                "Running commands are signalled; hosts not started will not start. The"
                " incident stays open (to abort it as a whole: the palette, or"
                f" {self.key_label('incident.close')} and “aborted”). Say why: it goes into"
                " the record.",
                "Abort reason",
                required=True,
                danger=True,
            ),
            aborted,
        )

    def prompt_abort_incident(self) -> None:
        from console.ui.screens.dialogs import TextPrompt

        conductor = self.conductor
        if conductor is None or conductor.state.closed:
            self.notify("No open incident to abort.")
            return

        def aborted(reason: str | None) -> None:
            if reason:
                self.abort_incident(reason)

        running = " Running commands are stopped first." if conductor.running else ""
        self.push_screen(
            TextPrompt(
                f"Abort incident {conductor.state.incident_id}",
                f"The incident closes as aborted.{running} Say why: it goes into the record.",
                "Abort reason",
                required=True,
                danger=True,
            ),
            aborted,
        )

    @work(group="abort", exit_on_error=False)
    async def abort(self, reason: str) -> None:
        assert self.conductor is not None
        try:
            await self.conductor.abort(reason)
        except ProcedureError as exc:
            self.notify(str(exc), title="Not aborted", severity="error")

    @work(group="abort", exit_on_error=False)
    async def abort_incident(self, reason: str) -> None:
        problem = await self.close_incident(Outcome.ABORTED, reason)
        if problem:
            self.notify(problem, title="Not aborted", severity="error")

    def prompt_note(self, step_id: str | None = None) -> None:
        from console.ui.screens.dialogs import TextPrompt

        if self.conductor is None:
            return

        def noted(text: str | None) -> None:
            if text and self.conductor:
                self.conductor.note(text, step_id)
                self.notify("Note added to the timeline.")

        where = f" on “{self.conductor.step(step_id).title}”" if step_id else ""
        self.push_screen(
            TextPrompt(f"Add a note{where}", "It becomes a timeline event.", "Note"), noted
        )
