"""Closing an incident with its outcome, and aborting it as a whole: the Conductor's
`IncidentClosing`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from console.engine.errors import ProcedureError
from console.engine.rollback_record import RollbackRecord
from console.model.events import Kind
from console.model.keymap import said_key
from console.model.kinds import done_by
from console.model.outcome import Outcome, kept_at_close, named, outcome_label, titled
from console.model.state import HostStatus, IncidentState
from console.model.status import FailureClass, looks_only
from console.model.step_state import needed_nothing_words

if TYPE_CHECKING:
    from console.engine.locking import IncidentLocks
    from console.engine.steps import Activity
    from console.journal.recorder import Recorder
    from console.model.settings import Settings
    from console.model.state import IncidentState


ABORT_WAIT_SECONDS = 30.0
# The outcomes whose words name the hosts that needed nothing (a precheck refused them:
# another incident rolled them back already), beside those rolled back.
SAYS_NEEDED = (Outcome.ROLLED_BACK, Outcome.UNVERIFIED, Outcome.PARTIAL)
TAKE_OVER = "another incident there needs --take-over-lock REASON"


class UnsettledClose(ProcedureError):
    """A close asked while hosts' outcome is unknown, not confirmed: their systems' locks
    would stay held past it (`systems`), a change may still run on `hosts`."""

    def __init__(self, systems: list[str], hosts: list[str]):
        kept = f"; the lock on {', '.join(systems)} stays held" if systems else ""
        super().__init__(f"outcome unknown on {named(hosts)}: a change may still run there{kept}")
        self.systems = systems
        self.hosts = hosts


def open_only(state: IncidentState, what: str) -> None:
    """Refuse `what` once the incident is closed: only amendments are left."""
    if state.closed:
        raise ProcedureError(
            f"the incident is closed ({state.outcome_label}): it cannot {what};"
            " only the post-rollback form, notes and stars can still be amended"
        )


class IncidentClosing(RollbackRecord):
    """The end of an incident: what the record lacks for "rolled back and verified", the
    close with its outcome, and the abort of the whole incident (`abort` stops the running
    steps: the Conductor's)."""

    def __init__(
        self,
        settings: Settings,
        recorder: Recorder,
        activity: Activity,
        locks: IncidentLocks,
        abort: Callable[[str], Awaitable[None]],
    ):
        self.settings = settings  # the conductor's: a drill replaces it
        self.recorder = recorder
        self.activity = activity
        self.locks = locks
        self.abort = abort
        # A drill on the demo fleet: the fleet is gone when it ends, so a host unknown
        # there holds no lock past the close. On your own hosts a drill's close keeps them
        # as any close does: the change may still run there.
        self.fleet_gone = False
        # While a drill undoes its faults, a signal (TERM, HUP, Ctrl+C headless) is held,
        # not sent: it would stop the very undo it waits for; the drill ends aborted after.
        self.undoing_faults = False
        self.held_abort: str | None = None

    def close(
        self,
        outcome: Outcome,
        reason: str = "",
        hosts: list[str] | None = None,
        to: str = "",
        confirmed: bool = True,
    ) -> None:
        """End the incident: the outcome with what it needs (a reason, the hosts not rolled
        back, or whom it was handed to); the locks are released and the end time recorded.
        "Rolled back and verified" is refused unless the record shows it. While a host's
        outcome is unknown (or its command was left running) its systems' locks are kept
        past the close (`keep_at_close`; a drill's on the demo fleet are released: its fleet
        is gone, `fleet_gone`), and
        the close is refused (UnsettledClose) unless `confirmed`: the console asks for a
        key of its own first."""
        state = self.state
        if state.closed:
            raise ProcedureError(f"the incident is already closed: {state.outcome_label}")
        if self.activity.ids and outcome is not Outcome.ABORTED:
            running = ", ".join(sorted(self.activity.ids))
            raise ProcedureError(f"a step is running ({running}): abort it, or close as aborted")
        reason, to, hosts = reason.strip(), to.strip(), list(hosts or [])
        need, done = outcome.needs, done_by(self.settings, state)  # "re-enabled" too
        title = titled(outcome, done)  # as the close dialog offers it
        if need == "reason" and not reason:
            raise ProcedureError(f"closing as “{title}” needs a reason")
        if need == "to" and not to:
            raise ProcedureError("closing as “handed over” needs whom it was handed to")
        unsettled = [] if state.drill and self.fleet_gone else unknown_hosts(state)
        if need == "hosts":
            # None needed only when every host not shown rolled back is unknown (neither).
            known_left = [h for h in self.not_rolled_back() if h not in unsettled]
            if outcome is Outcome.PARTIAL and (nothing := self.nothing_done()):
                raise ProcedureError(f"closing as “{title}”: {nothing}")
            if not hosts and (known_left or not unsettled):
                raise ProcedureError(f"closing as “{title}” needs the hosts left")
            unknown = [h for h in hosts if h not in state.hosts]
            if unknown:
                raise ProcedureError(f"not a host of this incident: {', '.join(unknown)}")
        if outcome is Outcome.UNVERIFIED:
            left = self.not_rolled_back() if state.hosts else ["no host was selected"]
            if left:
                advice = self.nothing_done() or (
                    f"close as {titled(Outcome.PARTIAL, done)}, or finish the steps first"
                )
                raise ProcedureError(
                    f"closing as “{title}” needs every host {done} (not {done}:"
                    f" {', '.join(left)}): {advice}"
                )
        if outcome is Outcome.ROLLED_BACK and (unproven := self.unproven()):
            raise ProcedureError(unproven)
        label = outcome_label(outcome, reason, hosts, to, unsettled, done)
        if outcome in SAYS_NEEDED and (needed := self.needed_nothing()):
            label += f"; {needed_nothing_words(needed, counted=False)}"  # never "not rolled back"
        if unsettled and not confirmed:
            raise UnsettledClose(self.kept_at_close(unsettled), unsettled)
        faulty = self.drill_faults_left()  # kept for too, whether or not a host is unknown
        if unsettled or faulty:
            self.keep_at_close(unsettled, label, faulty)
        self.locks.release(with_next=True)  # durable with the close, in its fsync
        said: dict[str, Any] = {"unknown": unsettled} if unsettled else {}  # else unsaid
        self.recorder.record(
            Kind.INCIDENT_CLOSED,
            outcome=outcome.value,
            label=label,
            reason=reason,
            hosts=hosts,
            to=to,
            **said,
        )

    def kept_at_close(self, unsettled: list[str]) -> list[str]:
        """The systems whose locks a close keeps: those of the hosts whose outcome is
        unknown or left running (every system held, for a host the record places nowhere)."""
        held = self.locks.claim.held if self.locks.claim is not None else []
        if any(h not in self.state.hosts for h in unsettled):
            return sorted(held)
        return sorted({self.state.hosts[h] for h in unsettled} & set(held))

    def keep_at_close(self, unsettled: list[str], label: str, faulty: list[str]) -> None:
        """Closed with these hosts unknown or left running: a change may still run there,
        so their systems' locks stay (`lock.kept`, with the outcome it closed as, and the
        hosts unknown), as do those of a drill's faults in place on `faulty` (`lock.kept`
        naming no host; seen: a fault left on cart-1 let go of cart's lock because a host
        of web was unknown); the others are released. Held while this process runs, stale
        once it exits: another incident there needs --take-over-lock REASON (the verify by
        hand, `exec`, lets go of it once those hosts answer)."""
        for_unknown = self.kept_at_close(unsettled) if unsettled else []
        for_faults = self.kept_at_close(faulty) if faulty else []
        kept = self.locks.keep(sorted({*for_unknown, *for_faults}))  # none: locking is off
        if unknown := [s for s in kept if s in for_unknown]:
            self.recorder.record(Kind.LOCK_KEPT, systems=unknown, hosts=unsettled, closed_as=label)
        if faults := [s for s in kept if s not in for_unknown]:
            self.recorder.record(Kind.LOCK_KEPT, systems=faults, hosts=[], closed_as=label)

    def drill_faults_left(self) -> list[str]:
        """The hosts of a drill's faults in place at its close, on your own hosts (a judged
        drill's whose undo failed there; one cut short before its verdict, closed by hand,
        those never undone): its close keeps their systems' locks, as a drill cut short
        keeps them (seen: a fault left on web-2, the next drill and incident there ran
        unwarned; a drill cut short, resumed and closed let go of its lock)."""
        from console.engine.kept_locks import drill_faults_left

        return [] if self.fleet_gone else drill_faults_left(self.state)[1]

    async def abort_incident(self, reason: str, confirmed: bool = True) -> None:
        """Abort the whole incident, at any time: running commands are stopped, hosts not
        started never will, and the incident closes as aborted with the reason (refused
        while a host is left unknown, unless `confirmed`: `close`)."""
        reason = reason.strip()
        if not reason:
            raise ProcedureError("aborting the incident needs a reason")
        if self.state.closed:
            raise ProcedureError(f"the incident is already closed: {self.state.outcome_label}")
        await self.stop_running(reason)
        self.close(Outcome.ABORTED, reason, confirmed=confirmed)

    async def stop_running(self, reason: str) -> None:
        """Abort the running steps (journalled, with the reason) and wait, bounded, until
        they have recorded how their hosts ended."""
        if not self.activity.ids:
            return
        await self.abort(reason)
        await self.activity.settled(ABORT_WAIT_SECONDS)

    def let_go(self, ended: str, why: str | None = None, settle: str | None = None) -> list[str]:
        """This process stops driving the open incident (`ended`: "the run ended", "the
        console quit"; `why`: what ended it, when nobody chose to). Its locks are released
        (journalled), unless some host's outcome is unknown or its command was left running
        (detached): a change may still be running there, so they are kept (stale once this
        process exits: another incident there needs --take-over-lock REASON; resume takes
        them back, and they go at the close once V or R settle those hosts). A note says
        which hosts, why, and so, after a `lock.kept`, and what settles them: `settle` (a
        headless command names the command line that does, `verify DIR`), else resume,
        then the console's key. The systems kept."""
        if self.state.closed:
            return self.let_go_closed(ended, why)
        said = unsettled_why(self.state)
        if not said and (faults := self.faults_in_place()):
            return self.keep_for_faults(ended, why, faults)
        if not said:
            self.locks.release(why, left_open=True)
            return []
        kept = self.locks.keep()
        unsettled = unknown_hosts(self.state)
        if kept:  # none when locking is off
            self.recorder.record(Kind.LOCK_KEPT, systems=kept, hosts=unsettled, reason=why)
        held = f"its locks held ({', '.join(kept)}): {TAKE_OVER}; " if kept else ""
        by = f" ({why})" if why else ""
        verify = said_key(self.settings.console.keymap, "resume.verify")
        settle = settle or f"resume it, then {verify} (verify)"
        self.recorder.record(
            Kind.NOTE_ADDED,
            text=f"{ended}{by} with {'; '.join(said)}: the incident is left open, {held}"
            f"{settle} settles those hosts",
        )
        return kept

    def faults_in_place(self) -> str:
        """`its fault NAME on HOSTS was NEVER UNDONE` of a drill ended before its verdict
        on your own hosts (the demo fleet goes with the console); "" otherwise."""
        from console.engine.kept_locks import faults_never_undone

        return "" if self.fleet_gone else faults_never_undone(self.state)

    def keep_for_faults(self, ended: str, why: str | None, faults: str) -> list[str]:
        """`let_go` of a drill whose faults stay in place (its terminal closed, SIGTERM, a
        detach with nothing left running): its locks are kept, as docs/drills.md says, so
        that the next drill or incident there is refused, naming them, until a person takes
        the lock over; a drill that ran on would read its baseline from the faulty hosts."""
        kept = self.locks.keep()
        if kept:
            self.recorder.record(Kind.LOCK_KEPT, systems=kept, hosts=[], reason=why)
        held = f"its locks held ({', '.join(kept)}): {TAKE_OVER}; " if kept else ""
        by = f" ({why})" if why else ""
        self.recorder.record(
            Kind.NOTE_ADDED,
            text=f"{ended}{by} before the drill's verdict: {faults}: undo it by hand; the"
            f" incident is left open, {held}resume it to close it",
        )
        return kept

    def let_go_closed(self, ended: str, why: str | None) -> list[str]:
        """`let_go` of a closed incident whose locks were claimed again (an undo after the
        close): those of the hosts its close left unknown, still unknown, are kept again
        (`keep_at_close`), the others released. The systems kept."""
        state = self.state
        still = [h for h in unknown_hosts(state) if h in state.unknown_at_close]
        held = self.locks.claim.held if self.locks.claim is not None else []
        kept = self.locks.keep(self.kept_at_close(still)) if still and held else []
        self.locks.release(why)
        if kept:
            label = state.outcome_label or state.outcome or ""
            self.recorder.record(
                Kind.LOCK_KEPT, systems=kept, hosts=still, reason=why, closed_as=label
            )
            said = kept_at_close(
                kept, still, state.verifies or state.incident_id, state.left_by_commands(still)
            )
            self.recorder.record(Kind.NOTE_ADDED, text=f"{ended}: {said}")
        return kept


def unknown_why(state: IncidentState) -> list[str]:
    """Why the unknown hosts' outcomes are unknown, hosts named, for the close: the
    connection lost mid-change, or a verify that found the change still under way (it
    exited 75: a failure, yet not a failed host)."""
    why = {
        FailureClass.CONNECTION_LOST: "the connection was lost while a command that changes"
        " hosts ran there; verify them before retrying",
        None: "verify them before retrying",
    }
    under_way = "the step's verify found the change still under way there; verify them again"
    checking = (  # its change had ended (exit seen): what is not known is whether it took
        "the connection was lost while its verify ran, after the change had finished there;"
        " verify them before retrying"
    )
    checking_unseen = (  # V's verify, after the change's own connection was lost
        "the connection was lost while its verify ran; the change before it was never seen"
        " to finish there; verify them before retrying"
    )
    hosts: dict[str, list[str]] = {}
    for step, host in state.unknown_hosts:
        run = state.step(step).hosts[host]
        said = why.get(run.failure, under_way)
        if run.failure is FailureClass.CONNECTION_LOST and looks_only(run.stage):
            said = checking if run.change_ended else checking_unseen
        if host not in hosts.get(said, []):
            hosts.setdefault(said, []).append(host)
    return [f"outcome unknown on {', '.join(sorted(h))}: {said}" for said, h in hosts.items()]


def unknown_hosts(state: IncidentState) -> list[str]:
    """The hosts whose outcome is unknown, or whose command the console left running."""
    return sorted(
        {h for s in (HostStatus.UNKNOWN, HostStatus.RUNNING) for _, h in state.hosts_with(s)}
    )


def unsettled_why(state: IncidentState) -> list[str]:
    """`unknown_why`, and the hosts whose command the console left running: detached (D,
    its terminal closed, a SIGTERM: `run.detached` says so), or running still when it
    ended otherwise (an internal error), which nobody detached: seen, a console that
    crashed mid-wave recorded its host as "left running when the console detached"."""
    running = {(s, h) for s, h in state.hosts_with(HostStatus.RUNNING)}
    left = sorted(
        {h for s, h in running if (state.step(s).hosts[h].detail or "").startswith("left ")}
    )
    ended = sorted({h for _, h in running} - set(left))
    said = {
        "left running when the console detached": left,
        "its command was still running at the end, nobody having detached it": ended,
    }
    return unknown_why(state) + [
        f"outcome unknown on {', '.join(hosts)}: {why}; verify them before retrying"
        for why, hosts in said.items()
        if hosts
    ]
