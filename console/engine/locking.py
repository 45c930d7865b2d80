"""System locks: claimed before anything is recorded (a refusal leaves no trace), then
journalled by the incident that holds them, and released when it closes or stops."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from console.engine.errors import LockRefused, StaleLock
from console.journal.files import JournalError
from console.journal.journal_lock import PROGRAM
from console.journal.lock import Holder, LockHeld, SystemLocks
from console.journal.recorder import Recorder
from console.model.events import Event, Kind
from console.model.payloads import LockAcquired

# A refusal by a lock this very process holds for another incident: kept past its close
# (or its console's opening of another) while a host's outcome was unknown there, or a
# judged drill's fault was NOT undone (it said "a host's outcome being unknown" of one).
KEPT_HERE = (
    "this console kept it past that incident's end, a host's outcome being unknown there or"
    " a drill's fault NOT undone: once it has quit, --take-over-lock REASON takes it over"
    " (the verify by hand, or an exec)"
)
KEPT_BY_THIS_PROCESS: set[tuple[str, str]] = set()  # (system, incident), by `Claim.keep`


class Claim:
    """The system locks one incident holds from this process."""

    def __init__(self, locks: SystemLocks, holder: Holder, noted_for: tuple[str, ...] = ()):
        self.locks = locks
        self.holder = holder
        # Other incidents whose lock on a system this one takes over where they left off
        # (a verify by hand's: the closed incident, its earlier verifies): what was noted
        # for them (`taken_from`) is this incident's to say, as its own.
        self.noted_for = noted_for
        self.held: list[str] = []
        # Taken but not journalled yet: the incident records them when it can.
        self.unrecorded: list[str] = []
        self.replaced: list[tuple[str, Holder, str]] = []  # (system, stale holder, why)
        # (system, note): another incident took this one's stale lock over meanwhile
        self.lost: list[tuple[str, dict[str, object]]] = []
        self.stuck: dict[str, str] = {}  # {system: why} whose lock file could not be removed

    @classmethod
    def for_incident(
        cls,
        locks: SystemLocks,
        incident: str,
        user: str,
        journal: Path,
        noted_for: tuple[str, ...] = (),
    ) -> Claim:
        """This process's claim for `incident`, journalled in `journal`; the lock files
        say since when (wall clock) and where that journal is."""
        since = datetime.now(UTC).isoformat(timespec="seconds")
        where = str(journal.absolute())
        host = socket.gethostname()
        return cls(locks, Holder(os.getpid(), user, host, since, incident, where), noted_for)

    def acquire(self, systems: list[str], take_over: str | None = None) -> None:
        """Hold every system of `systems`, or none of the new ones: a refusal (LockRefused,
        or StaleLock when `take_over` could lift it) gives back what this call took.

        A live holder is never taken over. A stale one is, with `take_over` as the
        reason, or by itself when it is this very incident (its console died): resuming
        an incident is taking it back."""
        taken: list[str] = []
        try:
            for system in [s for s in systems if s not in self.held]:
                self._acquire(system, take_over)
                taken.append(system)
        except LockRefused:
            for system in taken:
                self.locks.release(system, self.holder)
            self.replaced = [r for r in self.replaced if r[0] not in taken]
            raise
        self.held += taken
        self.unrecorded += taken
        incident = self.holder.incident
        for system in taken:
            for of in (incident, *self.noted_for):
                notes = self.locks.taken_from(system, of)  # read once: removed as read
                # this very claim's take-over (of a verified incident's kept lock) aside
                by = [n for n in notes if _incident(n.get("by")) != incident]
                self.lost += [(system, note) for note in by]
        KEPT_BY_THIS_PROCESS.difference_update((s, self.holder.incident) for s in taken)

    def check(self, systems: list[str], take_over: str | None = None) -> None:
        """Raise what `acquire` would refuse with, taking nothing (the holders read as they
        are now: `acquire` decides again, under the lock directory's mutex)."""
        for system in systems:
            holder = self.locks.holder(system)
            if holder is None:
                continue
            if holder.pid == self.holder.pid and holder.incident == self.holder.incident:
                continue
            stale = not holder.alive()
            if not (stale and (take_over or holder.incident == self.holder.incident)):
                raise self._refusal(LockHeld(system, holder, stale))

    @staticmethod
    def _refusal(held: LockHeld) -> LockRefused:
        refused = StaleLock if held.stale else LockRefused
        said = str(held)
        if (held.system, held.holder.incident) in KEPT_BY_THIS_PROCESS:
            said += f" — {KEPT_HERE}"  # a live holder, yet nobody drives it
        return refused(said, held.holder.incident, held.holder.journal)

    def _acquire(self, system: str, take_over: str | None) -> None:
        try:
            stale = self.locks.acquire(
                system, self.holder, take_over_stale=bool(take_over), reason=take_over or ""
            )
        except LockHeld as held:
            mine = held.holder.incident == self.holder.incident
            if not (held.stale and mine):
                raise self._refusal(held) from None
            # Its own: `incident X taken ...` is how the record tells it (lock_taken_over).
            # Said "its console (pid ...) had exited" of a headless run's process too.
            whose = "its" if held.holder.user == self.holder.user else f"{held.holder.user}'s"
            taken = "taken back" if whose == "its" else f"taken over from {held.holder.user}"
            take_over = (
                f"incident {self.holder.incident} {taken}: {whose} process (pid"
                f" {held.holder.pid} on {held.holder.host}) had ended"
            )
            stale = self.locks.acquire(system, self.holder, take_over_stale=True)
        if stale is not None:
            self.replaced.append((system, stale, take_over or ""))

    def release(self, left_open: bool = False) -> list[str]:
        """Let go of every system held (`left_open`: the incident stays open, SystemLocks
        notes who holds them next for it)."""
        # in the order taken, the configuration's (they were sorted: 'api, web' in the
        # timeline beside 'locked systems web, api')
        released, self.held, self.unrecorded = list(self.held), [], []
        for system in list(released):
            try:
                self.locks.release(system, self.holder, left_open)
            except (JournalError, OSError) as exc:  # its directory read-only, or gone
                released.remove(system)
                self.stuck[system] = (
                    str(exc)  # it names its file
                    if isinstance(exc, JournalError)
                    else f"{self.locks.directory}: {exc.strerror}"
                )
        return released

    def keep(self, only: list[str] | None = None) -> list[str]:
        """Leave the lock files in place past this process (stale once it exits): another
        incident needs a reason to take them over, and this one takes them back when
        resumed. Those kept are released no more from here on; `only`: of these systems
        (the others stay held, for `release`)."""
        kept = [s for s in self.held if only is None or s in only]
        self.held = [s for s in self.held if s not in kept]
        KEPT_BY_THIS_PROCESS.update((s, self.holder.incident) for s in kept)
        return kept


def _incident(holder: object) -> object:
    return holder.get("incident") if isinstance(holder, dict) else None


class IncidentLocks:
    """The system locks an incident holds: taken before anything runs on its systems,
    journalled, released when it closes or stops. `claim` is None when locking is off
    (tests, dry runs); a stale lock of another incident is taken over only when
    `takeover_reason` says why."""

    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self.claim: Claim | None = None
        self.takeover_reason: str | None = None
        self.kept: list[str] = []  # the systems `keep` left held past this process
        # `lock.lost` events this process journalled: what the console and headless say
        self.lost: list[Event] = []

    def lock(self, systems: list[str]) -> None:
        """Hold the systems' locks before anything runs on them; refuse (LockRefused)
        if another incident does. What was taken, or taken over, is journalled."""
        if self.claim is None:
            return
        self.claim.acquire(systems, self.takeover_reason)
        self.record()

    def record(self) -> None:
        """Journal the locks claimed since the last call (some before the journal existed)."""
        claim = self.claim
        if claim is None or not claim.unrecorded:
            return
        for system, previous, reason in claim.replaced:
            self.recorder.record(
                Kind.LOCK_TAKEN_OVER, system=system, previous=previous._asdict(), reason=reason
            )
        for system, note in claim.lost:  # before anything is retried or verified there
            of = note.get("incident")
            said = self.recorder.record(
                Kind.LOCK_LOST, system=system, by=note.get("by") or {}, at=str(note.get("at")),
                reason=str(note.get("reason") or ""),
                of=str(of) if of and of != claim.holder.incident else None,
                released=str(note["released"]) if note.get("released") else None,
            )  # fmt: skip
            self.lost.append(said)
        holder = claim.holder
        # The payload itself: `host=` given to record() is where the event happened (an
        # inventory host), and the jump host read "vm" in every Where column.
        self.recorder.record(
            LockAcquired(
                systems=claim.unrecorded, pid=holder.pid, host=holder.host, program=PROGRAM[0]
            )
        )
        claim.unrecorded, claim.replaced, claim.lost = [], [], []

    def lost_said(self) -> list[str]:
        """One line for each lock of this incident another incident took over, or held
        after this one let go of it open, while its holder had ended (journalled as its
        locks were taken again): its hosts may have been changed since."""
        from console.journal.describe import describe

        return [describe(e) for e in self.lost]

    @property
    def unrecorded(self) -> bool:
        """Locks were claimed that the journal does not say yet."""
        return self.claim is not None and bool(self.claim.unrecorded)

    def keep(self, only: list[str] | None = None) -> list[str]:
        """The systems whose locks stay held after this process (`Claim.keep`; `only`:
        of these systems)."""
        self.kept = self.claim.keep(only) if self.claim is not None else []
        return self.kept

    def release(
        self, why: str | None = None, left_open: bool = False, with_next: bool = False
    ) -> None:
        """`with_next`: the caller records an action next, whose fsync makes these durable
        with it (an incident's close: one fsync, not two)."""
        if self.claim is None:
            return
        before = dict(self.claim.stuck)
        released = self.claim.release(left_open)
        record = self.recorder.record_deferred if with_next else self.recorder.record
        if released:
            record(Kind.LOCK_RELEASED, systems=released, reason=why)
        if stuck := {s: w for s, w in self.claim.stuck.items() if s not in before}:
            # Their files stay (stale once this process exits): said, not a traceback.
            said = "; ".join(dict.fromkeys(stuck.values()))
            record(Kind.LOCK_KEPT, systems=list(stuck), hosts=[], reason=why, stuck=said)

    @property
    def stuck(self) -> dict[str, str]:
        """{system: why} of the locks whose files could not be removed as they were let go."""
        return dict(self.claim.stuck) if self.claim is not None else {}

    def stuck_said(self) -> str:
        """The locks let go of whose files stay, in one sentence; "" when none."""
        from console.engine.closing import TAKE_OVER

        if not (stuck := self.stuck):
            return ""
        why = "; ".join(dict.fromkeys(stuck.values()))
        files = "its file stays" if len(stuck) == 1 else "their files stay"
        return (
            f"the lock{'s' if len(stuck) > 1 else ''} on {', '.join(stuck)} could not be let"
            f" go ({why}): {files}, stale once this process has exited: {TAKE_OVER}"
        )
