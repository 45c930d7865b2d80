"""The live watch: the engine's Watcher in a worker, its updates coalesced into messages,
and what a firing becomes. A person at the console always decides: while someone is
declaring or driving an incident, or pressed a key during the countdown, a firing is a
proposal (accept, merge as evidence, dismiss with a reason). Only with nobody at the
keyboard does an `auto` trigger start the procedure when its countdown elapses."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from console.engine import triage
from console.engine.triage import Proposal
from console.engine.watcher import Countdown, Firing, Watcher, WatchUpdate, with_others
from console.model.auto_triggers import Policy
from console.model.triggers import PRECEDENCE, shorten
from console.ui.messages import WatchChanged

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.engine.listing import IncidentSummary
    from console.ui.app import RollbackApp

FLUSH_SECONDS = 1 / 10
PROPOSED = "policy “propose”: the commander decides"


DECLARING = "a person is declaring an incident"  # why a firing then waits


class LiveWatch:
    """Owns the app's Watcher: samples in a worker while `sampling`, posts WatchChanged,
    keeps the proposals waiting for the commander and runs `auto` countdowns."""

    def __init__(self, app: RollbackApp, watcher: Watcher, *, sampling: bool = True):
        self.app = app
        self.watcher = watcher
        self.sampling = sampling
        self.proposals: list[Proposal] = []  # newest first
        # Triggers dismissed at this console, each with why, until one fires again.
        self.dismissed: dict[str, str] = {}
        self._whats: set[str] = set()
        self._counting_since = 0.0  # time.monotonic() when the running countdown started
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def countdown(self) -> Countdown | None:
        return self.watcher.countdown

    @property
    def waiting(self) -> list[Proposal]:
        """Proposals nobody has in hand: not the one a trigger screen is declaring."""
        if not self.proposals:  # as at the first frame: the trigger screen not loaded yet
            return []
        from console.ui.screens.trigger import TriggerScreen

        held = {id(s.proposal) for s in self.app.screen_stack if isinstance(s, TriggerScreen)}
        return [p for p in self.proposals if id(p) not in held]

    @property
    def proposal(self) -> Proposal | None:
        """The firing waiting for the commander to take first: by precedence of kind
        (security breach, data corruption, error threshold, performance), then newest."""
        waiting = self.waiting
        if not waiting:
            return None
        return min(waiting, key=lambda p: PRECEDENCE.index(p.firing.trigger.kind))

    def also_firing(self, firing: Firing) -> list[Firing]:
        """The other triggers firing now: evidence for `firing`, named in its reason."""
        return [f for f in self.watcher.firing_now() if f.trigger.name != firing.trigger.name]

    def proposed_reason(self, firing: Firing) -> str:
        return with_others(firing, self.also_firing(firing))[0]

    def start(self) -> None:
        self._unsubscribe = self.watcher.subscribe(self._on_update)
        self.app.set_interval(FLUSH_SECONDS, self.flush)
        if self.sampling and self.watcher.readings:
            self.app.run_worker(self._watch(), group="watch", exit_on_error=False)

    async def _watch(self) -> None:
        """Sample from the first frame on: the first samples import asyncssh (~15 % of the
        way to that frame, bench/RESULTS.md), and until a sample comes back every probe
        shows it has none yet, as it would while connecting."""
        await self.app.drawn.wait()
        await self.watcher.watch()

    def stop(self) -> None:
        self.watcher.stop()
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_update(self, update: WatchUpdate) -> None:
        """Called by the watcher for every sample: only note what changed here."""
        self._whats.add(update.what)
        if update.what == "fired" and update.firing is not None:
            self.fired(update.firing)

    def flush(self) -> None:
        """Every tenth of a second: a countdown someone came to is held for them; then
        the screens hear what changed."""
        countdown = self.countdown
        if countdown is not None and not countdown.stopped.is_set():
            why = self.attended()
            if why:
                self.hold(why)
        if not self._whats:
            return
        whats, self._whats = self._whats, set()
        for screen in self.app.screen_stack:
            screen.post_message(WatchChanged(whats))

    def changed(self, what: str) -> None:
        self._whats.add(what)

    # -- who is at the console ------------------------------------------------------

    def driving(self) -> Conductor | None:
        """The incident a person is driving: attached, declared, not closed."""
        conductor = self.app.conductor
        if conductor is None or conductor.state.closed or conductor.state.trigger is None:
            return None
        return conductor

    def attended(self) -> str:
        """Why a person decides now (declaring, driving), or "" when nobody is busy."""
        from console.ui.screens.picker import PickerScreen
        from console.ui.screens.trigger import TriggerScreen

        declaring = (TriggerScreen, PickerScreen)
        if any(isinstance(s, declaring) for s in self.app.screen_stack):
            return DECLARING
        if self.app.drills.running:  # its faults fire triggers on purpose
            return f"drill {self.app.drills.running} is running"
        driving = self.driving()
        if driving is not None:
            return f"incident {driving.state.incident_id} is being driven"
        return ""

    def left_open(self, firing: Firing) -> IncidentSummary | None:
        """An incident open on `firing`'s system that nobody drives in this console (left
        open by a quit, or a teammate's), or None. Seen: an `auto` countdown on the
        home screen started a second incident on api beside the one left open there, with
        nobody at the keyboard."""
        driving = self.driving()
        here = driving.state.incident_id if driving is not None else None
        system = firing.trigger.system
        for listed in self.app.engine.incidents():
            if listed.closed_at is None and listed.incident_id != here and system in listed.systems:
                return listed
        return None

    def left_open_how(self, listed: IncidentSummary) -> tuple[str, str]:
        """Who has `listed`, and what to press on the home screen for it, as r does it
        (Custody.r_does): ('', 'r resumes it'), ("driven by bob's console", 'r asks for
        command'), ("bob's console has ended", 'r takes command of it'); while a process
        nobody can ask writes it (a headless run, or another of this account's), 'f follows
        it; once it has ended, r ...'. Seen: 'r asks for command' of bob's headless run,
        and 'r resumes it' of this account's own run still going: r refused both."""
        custody, r = listed.custody, self.app.key_label("home.resume")
        does = custody.r_does(closed=False) if custody is not None else "resume"
        if custody is None or does == "resume":
            return "", f"{r} resumes it"
        if does == "take":
            return custody.ended(), f"{r} takes command of it"
        what = custody.writer.what if custody.writer is not None else "console"
        who = f"driven by {custody.owner}'s {what}"
        if does == "ask":
            return who, f"{r} asks for command"
        later = "resumes it" if custody.mine else "takes command of it"
        return (
            who,
            f"{self.app.key_label('home.follow')} follows it; once it has ended, {r} {later}",
        )

    def left_open_why(self, listed: IncidentSummary, firing: Firing) -> str:
        faults = self.left_faults(listed.incident_id)
        cause = f", a drill cut short: {faults}, most likely what fired" if faults else ""
        who, how = self.left_open_how(listed)
        return (
            f"incident {listed.incident_id} is open on {firing.trigger.system},"
            f" {who or 'nobody driving it here'}{cause}"
            f" (on the home screen {how}; then merge this firing into it as evidence)"
        )

    def declared_since(
        self, firing: Firing, listed: Iterable[IncidentSummary] | None = None
    ) -> list[str]:
        """`Incident X was declared on web at 09:42:10 UTC, after this fired (closed: ...)`,
        one per incident opened on `firing`'s system since it fired (of `listed`, else of
        the journals), but the one driven here: it may be handled there. Seen: a headless
        `run --trigger auto` rolled web back; the home screen still proposed the firing,
        and accepting it began a second rollback, refused only at its precheck."""
        driving = self.driving()
        here = driving.state.incident_id if driving is not None else None
        system, said = firing.trigger.system, []
        for s in self.app.engine.incidents() if listed is None else listed:
            if s.incident_id == here or system not in s.systems or s.opened_at is None:
                continue
            if s.opened_at >= firing.fired_at:
                state = f"closed: {s.outcome_label or s.outcome}" if s.outcome else "open"
                said.append(
                    f"Incident {s.incident_id} was declared on {system} at"
                    f" {s.opened_at:%H:%M:%S} UTC, after this fired ({state})"
                )
        return said

    def left_faults(self, incident_id: str) -> str:
        """`its fault NAME on HOSTS was NEVER UNDONE` when the incident left open is a drill
        cut short before its undo; else "". Seen: a drill's console killed with -9 left the
        bad release on web; the probe fired and the banner read 'Incident ID is open on
        web: ...; p opens a new incident', nothing saying it was a drill's own fault."""
        from console.engine.kept_locks import drill_faults_never_undone
        from console.journal.files import JOURNAL_NAME
        from console.journal.store import opened_as_drill

        journal = self.app.engine.journal_root / incident_id / JOURNAL_NAME
        return drill_faults_never_undone(journal) if opened_as_drill(journal) else ""

    def _hold_at_deadline(self) -> str:
        """Asked when a countdown elapses: a reason to wait for a person, or ""."""
        countdown = self.countdown
        why = self.attended()
        if not why and countdown is not None and (left := self.left_open(countdown.firing)):
            why = self.left_open_why(left, countdown.firing)
        if why or countdown is None:
            return why
        last_key = self.app.last_key
        if last_key is not None and (
            last_key >= self._counting_since or time.monotonic() - last_key < countdown.seconds
        ):
            return (
                f"a key was pressed in the last {countdown.seconds:g} s: a person is at the console"
            )
        return ""

    # -- firings ---------------------------------------------------------------------

    def drilled(self, system: str) -> bool:
        """A drill runs on `system` now: what fires there is its faults' doing, and the
        drill's own detection records it (a drill's fault is never a real trigger)."""
        return self.app.drills.running is not None and system in self.app.drills.systems

    def drilled_elsewhere(self, system: str) -> bool:
        """A drill another process runs on `system` holds its lock, alive (headless, cron's
        `drill --due`, another console). Seen: its fault fired here, and the banner read
        'Drill ... was cut short on app: its fault ... was NEVER UNDONE ... r resumes it'
        of a drill that went on to pass and undo it."""
        from pathlib import Path

        from console.journal.store import opened_as_drill

        holder = self.app.engine.locks.holder(system)
        if holder is None or not holder.journal or not holder.alive():
            return False
        return opened_as_drill(Path(holder.journal))

    def drill_over(self, systems: list[str]) -> None:
        """A drill on `systems` has ended: nothing its faults fired there is proposed, and
        their triggers fire again only from samples taken from now on (seen: after a drill
        the home screen offered to declare a real incident from the drill's own fault)."""
        self.proposals = [p for p in self.proposals if p.firing.trigger.system not in systems]
        self._rearm(systems)
        self.changed("resolved")

    def _rearm(self, systems: list[str], name: str | None = None) -> None:
        """The triggers on `systems` (or the one named) fire again from the next samples."""
        for reading in self.watcher.readings.values():
            for streak in reading.streaks if reading.system in systems else []:
                if name is None or streak.trigger.name == name:
                    streak.rearm()
                    self.watcher.firings.pop(streak.trigger.name, None)

    def fired(self, firing: Firing) -> None:
        """A trigger fired: with policy auto and nobody busy, count down; else propose
        (never what a drill's faults fire on its systems)."""
        if self.drilled(firing.trigger.system):
            return
        if self.drilled_elsewhere(firing.trigger.system):  # the drill's: it fires again
            self._rearm([firing.trigger.system], firing.trigger.name)  # if bad after it
            return
        countdown = self.countdown
        if countdown is not None and countdown.firing.trigger.name == firing.trigger.name:
            return  # the same trigger, still counting down
        self.proposals = [p for p in self.proposals if p.name != firing.trigger.name]
        self.dismissed.pop(firing.trigger.name, None)
        why = self.attended()
        listed = None if why else self.left_open(firing)
        why = why or (self.left_open_why(listed, firing) if listed else "")
        left = listed.incident_id if listed else ""
        who, how = self.left_open_how(listed) if listed else ("", "")
        if firing.trigger.policy is Policy.AUTO and not why and countdown is None:
            self.app.run_worker(
                self._auto(firing), group="countdown", exclusive=True, exit_on_error=False
            )
            return
        drill = self.app.drills.running
        driving = self.driving()
        during = driving.state.incident_id or "" if driving is not None else ""
        faults = self.left_faults(left) if left else ""
        self.proposals.insert(
            0,
            Proposal(
                firing,
                why or PROPOSED,
                drill=drill,
                left_open=left,
                during=during,
                left_faults=faults,
                left_how=f"{', ' if who else ''}{who}: {how}",
            ),
        )
        self.changed("proposed")

    async def _auto(self, firing: Firing) -> None:
        """Count down; with nobody at the console when it elapses, open the incident and
        go and pick. Held for a person, it becomes a proposal."""
        from console.ui.screens.picker import PickerScreen

        self._counting_since = time.monotonic()
        countdown = await self.watcher.run_countdown(firing, hold=self._hold_at_deadline)
        self.changed("countdown.ended")
        if countdown.stopped.is_set():
            return  # stopped by hand: whoever stopped it recorded why
        if not countdown.elapsed:
            self.proposals.insert(0, Proposal(firing, countdown.reason, countdown))
            self.changed("proposed")
            return
        self.app.to_home()
        conductor = self.app.lifecycle.new_incident(
            firing.trigger.kind.incident_title(firing.reason)
        )
        triage.start_automatically(conductor, countdown, self.also_firing(firing))
        self.app.notify(firing.reason, title="Automatic rollback started", severity="error")
        self.app.push_screen(PickerScreen(preselect=[firing.trigger.system]))

    def hold(self, why: str) -> None:
        """Stop the running countdown: it becomes a proposal for the person at the console."""
        countdown = self.watcher.stop_countdown(why)
        self.proposals.insert(0, Proposal(countdown.firing, why, countdown))
        self.changed("proposed")

    # -- the commander's decisions ---------------------------------------------------

    def latest(self, proposal: Proposal) -> Proposal:
        """`proposal`, or the one that replaced it while it was shown (its trigger fired
        again): what the commander is shown, and decides on. Deciding on the one replaced
        left the new one waiting, its evidence not the one recorded."""
        if any(p is proposal for p in self.proposals):
            return proposal
        return next((p for p in self.proposals if p.name == proposal.name), proposal)

    def resolved(self, proposal: Proposal) -> None:
        self.proposals = [p for p in self.proposals if p is not proposal]
        self.changed("resolved")

    def merge(self, proposal: Proposal) -> str:
        """Record the firing as evidence in the incident being driven; its id."""
        conductor = self.driving()
        if conductor is None:
            raise ValueError("no incident is being driven to merge it into")
        triage.merge(conductor, proposal)
        self.resolved(proposal)
        return conductor.state.incident_id or ""

    def dismiss(self, proposal: Proposal | None, reason: str) -> str:
        """Nobody takes it up: recorded in the incident being driven, else as a closed
        "dismissed" record of its own; a running countdown is stopped. The record's id."""
        reason = reason.strip()
        if not reason:
            raise ValueError("dismissing an automatic trigger needs a reason")
        if proposal is None:  # the running countdown
            countdown = self.watcher.stop_countdown(f"dismissed at the console: {reason}")
            proposal = Proposal(countdown.firing, countdown.reason, countdown)
        conductor = self.driving()
        if conductor is not None:
            triage.dismiss(conductor, proposal, reason, close=False)
        else:
            conductor = self.app.engine.new_incident(
                shorten(f"Dismissed: {proposal.firing.reason}")
            )
            triage.dismiss(conductor, proposal, reason, close=True)
            conductor.recorder.close()
        self.dismissed[proposal.name] = reason
        self.resolved(proposal)
        return conductor.state.incident_id or ""
