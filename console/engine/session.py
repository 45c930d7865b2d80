"""The engine as the UI and the CLI see it: incidents to open, resume and list."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console.engine.errors import LockRefused, ProcedureError, StaleLock
from console.engine.ssh import SshPool
from console.journal.actor import current_actor
from console.journal.files import (
    JOURNAL_NAME,
    OUTPUT_NAME,
    JournalError,
    JournalWriteFailed,
    secure_dir,
)
from console.journal.journal_lock import JournalLock
from console.journal.lock import SystemLocks
from console.journal.redact import Redactor, settings_redactor
from console.journal.store import Progress
from console.journal.writer import JournalWriter
from console.model.clock import Clock, SystemClock
from console.model.events import Actor
from console.model.invocation import again
from console.model.settings import Settings
from console.paths import incidents_dir, locks_dir

NAMED = 3  # hosts a refusal names; the rest are counted

# Imported by the first incident, claim or journal read (the state's fold, the recorder,
# the locks' records and their payload families): not on the console's way to its first
# frame, whose home screen folds only the journals it lists.
if TYPE_CHECKING:
    from collections.abc import Callable

    from console.engine.conductor import Conductor
    from console.engine.listing import IncidentSummary
    from console.engine.locking import Claim
    from console.journal.event_log import EventLog
    from console.journal.recorder import Recorder
    from console.model.state import IncidentState


class Loaded(NamedTuple):
    """A journal read and folded, nothing written to it yet (resume's long first half)."""

    path: Path
    events: EventLog  # its output left in the output file
    state: IncidentState
    stamp: tuple[int, ...]  # the files' sizes when read: grown since, it is read again


def _stamp(journal: Path) -> tuple[int, ...]:
    return tuple(
        p.stat().st_size if p.exists() else -1 for p in (journal, journal.with_name(OUTPUT_NAME))
    )


class Engine:
    """Owns the SSH pool and the system locks for the console's lifetime, and makes
    conductors. `Engine.build` is the one construction every command uses.

    `threaded_io` runs the pool's SSH I/O on a loop of its own (the TUI wants its loop
    free to draw); headless commands keep it on theirs. `pool`: one made for these
    settings already, dialing its hosts (exec, while the rest of its start-up loads).
    """

    def __init__(
        self,
        settings: Settings,
        journal_root: Path,
        clock: Clock | None = None,
        actor: Actor | None = None,
        lock_dir: Path | None = None,
        threaded_io: bool = False,
        pool: SshPool | None = None,
    ):
        self.settings = settings
        self.journal_root = journal_root
        self.clock = clock or SystemClock()
        self.actor = actor or current_actor()
        self.redactor = settings_redactor(settings)
        self.pool = pool or SshPool(settings.inventory.ssh, threaded=threaded_io)
        self.locks = SystemLocks(lock_dir or journal_root.parent / "locks")
        self._claims: list[Claim] = []
        self._conductors: list[Conductor] = []

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        demo: bool = False,
        threaded_io: bool = False,
        pool: SshPool | None = None,
    ) -> Engine:
        """The engine of the console, run, drill, exec, probe, resume and follow alike:
        console.toml's journal_dir and lock_dir (the demo fleet has directories of its
        own), so every console on this machine sees the same locks."""
        journal_root = incidents_dir(demo, settings.console.journal_dir)
        lock_dir = locks_dir(settings, demo)
        for root in (journal_root, lock_dir):
            secure_dir(root, group_ok=True)
        return cls(settings, journal_root, lock_dir=lock_dir, threaded_io=threaded_io, pool=pool)

    def claim(
        self,
        incident_id: str,
        systems: list[str],
        take_over: str | None = None,
        journal: Path | None = None,
        noted_for: tuple[str, ...] = (),
    ) -> Claim:
        """Take the systems' locks for an incident, before anything of it is written:
        a refusal (LockRefused) leaves no trace. `journal`: where the incident is
        journalled (default: under the journal root), which its lock files name;
        `noted_for`: incidents whose taken-over locks it reads as its own (`Claim`)."""
        from console.engine.locking import Claim

        journal = journal or self.journal_root / incident_id / JOURNAL_NAME
        claim = Claim.for_incident(self.locks, incident_id, self.actor.user, journal, noted_for)
        try:
            claim.acquire(systems, take_over)
        except LockRefused as refused:
            self.explain(refused, incident_id)
            raise
        self._claims.append(claim)
        return claim

    def explain(self, refused: LockRefused, incident_id: str) -> None:
        """A lock held by a closed incident, or by one left open: say why, from its journal."""
        if refused.holder and refused.holder != incident_id:
            from console.engine.kept_locks import closed_keeping, holder_journal, left_open
            from console.model.keymap import said_key

            named = holder_journal(self.journal_root, refused.holder, refused.journal)
            if named:
                refused.closed = closed_keeping(refused.holder, named)
                if not refused.closed and isinstance(refused, StaleLock):
                    verify = said_key(self.settings.console.keymap, "resume.verify")
                    refused.closed = left_open(refused.holder, named, verify)

    def _conductor(
        self,
        directory: Path,
        claim: Claim,
        recorder: Recorder | None = None,
        redactor: Redactor | None = None,
    ) -> Conductor:
        from console.engine.conductor import Conductor
        from console.journal.recorder import Recorder

        redactor = redactor or self.redactor
        recorder = recorder or Recorder.open(directory, self.clock, self.actor, redactor)
        conductor = Conductor(self.settings, recorder, self.pool)
        conductor.claim = claim
        self._conductors.append(conductor)
        return conductor

    def refuse_unroutable(self, hosts: list[str]) -> None:
        """ProcedureError naming each of `hosts` whose route cannot be followed (an
        ssh_config ssh refuses), as run and exec refuse them before anything is recorded."""
        from console.engine.routes import refuse_unroutable

        refuse_unroutable(self.pool, self.settings.inventory, hosts)

    def new_incident(
        self,
        title: str,
        drill: bool = False,
        incident_id: str | None = None,
        systems: list[str] | None = None,
        take_over: str | None = None,
    ) -> Conductor:
        """Create the incident's journal directory and record that it opened, holding the
        locks of `systems` first (a refusal leaves no incident). The title is kept as
        given: one made from a reason comes cut already (TriggerKind.incident_title)."""
        from console.engine.conductor import new_incident_id

        incident_id = incident_id or new_incident_id(self.clock.now())
        conductor = self.incident(self.claim(incident_id, systems or [], take_over))
        conductor.open_incident(title, incident_id, drill=drill)
        return conductor

    def incident(
        self, claim: Claim, directory: Path | None = None, redactor: Redactor | None = None
    ) -> Conductor:
        """The conductor of the incident `claim` was taken for, its journal created in
        `directory` (default: under the journal root); the caller opens the incident, and
        the claimed locks are journalled with the first systems it selects. `redactor`:
        its records' (default: the settings'; a verify by hand of another incident masks
        them as that incident's are)."""
        directory = directory or self.journal_root / claim.holder.incident
        return self._conductor(directory, claim, redactor=redactor)

    def open_existing(
        self,
        journal: Path,
        systems: list[str] | None = None,
        take_over: str | None = None,
        open_only: bool = False,
    ) -> Conductor:
        """A conductor that appends to an existing incident's journal. The locks of
        `systems` (default: the incident's own, unless it is closed) are taken first:
        nothing is written to a journal another live console drives. `open_only`: a
        closed incident is refused before anything is claimed or written."""
        loaded = self.read(journal)
        if open_only and loaded.state.closed:
            raise ProcedureError(
                f"{loaded.path}: the incident is closed ({loaded.state.outcome_label}): it"
                " takes amendments only; run the command without --journal"
            )
        return self._reopen(loaded, systems, take_over)

    def take_command(
        self,
        journal: Path,
        reason: str,
        take_over: str | None = None,
        ready: Callable[[], None] = lambda: None,
        stale_asked: bool = False,
        progress: Progress | None = None,
    ) -> Path:
        """Take command of a teammate's open incident whose console has gone
        (console/engine/handover.py); the journal to resume. Raises HandOverRefused, or
        LockRefused, nothing recorded, also where resuming it here would be refused
        (`check_take`, on the state the hand-over read); then `ready`, which may refuse.
        `progress` hears how far its readings of the journal are (the console runs this
        in a thread)."""
        from console.engine.handover import take_command_recorded
        from console.engine.take_first import check_take

        def resumable(state: IncidentState) -> None:
            check_take(self, journal, state, take_over, stale_asked)
            ready()

        recording = (self.clock, self.actor, self.redactor)
        return take_command_recorded(
            journal, self.journal_root, self.locks, reason, recording, resumable, progress
        )

    def resume(self, journal: Path, take_over: str | None = None) -> Conductor:
        """Reopen an incident from its journal, holding its systems' locks again (refused
        while another console holds them); in-flight hosts become unknown."""
        return self.resumed(self.read(journal), take_over)

    def read(self, journal: Path, progress: Progress | None = None) -> Loaded:
        """Read and fold an incident's journal, once; nothing is written and no lock is
        taken, so the console runs this in a thread (100,000 events take seconds) and
        `progress` hears how far it is."""
        directory = journal.parent if journal.name == JOURNAL_NAME else journal
        path = directory / JOURNAL_NAME
        if not path.is_file():
            raise JournalError(f"{path}: no such journal")
        from console.journal.event_log import read_log

        stamp = _stamp(path)
        read = read_log(path, progress)
        return Loaded(path, read.log, read.state, stamp)

    def resumed(self, loaded: Loaded, take_over: str | None = None) -> Conductor:
        """Resume's second half, on the caller's loop: the locks taken again, then the
        journal opened for writing and the resumption recorded. Refused (before any lock
        is taken) when a host of the incident is not in this configuration: nothing
        could be verified, retried or undone there."""
        self.resumable(loaded.path, loaded.state)
        conductor = self._reopen(loaded, None, take_over)
        conductor.resume()
        conductor.record_locks()
        return conductor

    def check_resume(self, loaded: Loaded, take_over: str | None = None) -> None:
        """Refuse now what `resumed` would refuse (nothing recorded, a host not in this
        inventory, a hand-over, a lock held, another writer), taking and writing nothing:
        the console checks that it has a terminal once these have passed."""
        from console.engine.locking import Claim

        self.resumable(loaded.path, loaded.state)
        state, path = loaded.state, loaded.path
        incident = state.incident_id or path.parent.name
        self._not_handed_over(path, incident)
        # Its journal's live writer first: a console driving it holds its locks too, and
        # "system 'app' is locked: incident <this one>" said neither who nor what to do.
        self._ours(path, incident, state.closed)  # a teammate's: whose, and what to do
        JournalLock.check(path, incident)
        systems = [] if state.outcome else list(state.systems)
        claim = Claim.for_incident(self.locks, incident, self.actor.user, path)
        try:
            claim.check(systems, take_over)
        except LockRefused as refused:
            self.explain(refused, incident)
            raise

    def _ours(self, journal: Path, incident: str, closed: bool) -> None:
        """A teammate's incident is theirs: refused, saying whose, whether their console
        runs, and what this account may do (take command, follow, export)."""
        from console.journal.custody import not_ours
        from console.journal.journal_lock import JournalNotOurs

        try:
            held = self.locks.held()
        except OSError:  # no lock directory yet, or not this account's to list
            held = {}
        if why := not_ours(journal.parent, incident, closed, held):
            raise JournalNotOurs(why)

    def resumable(self, path: Path, state: IncidentState, then: str = "resume it") -> None:
        """Refuse an incident nothing of which was recorded, or with a host this inventory
        lacks: nothing could be verified, retried or undone there. `then`: what to do
        with the configuration it ran with."""
        if state.incident_id is None:  # nothing to carry on: never written into
            raise JournalError(
                f"{path}: no incident was recorded here (its opening never reached the"
                " disk: the disk was full, or its process ended first); nothing to resume"
            )
        known = set(self.settings.inventory.host_names)
        if missing := [h for h in state.hosts if h not in known]:
            # A few named, the rest counted: 300 names filled a toast, the whole screen.
            from console.model.waves import named_some

            hosts, all_named = f"host(s) {', '.join(missing)}", ""
            if len(missing) > NAMED:
                hosts = f"{len(missing)} hosts"
                every = f"its journal's systems.selected event names all {len(missing)}"
                all_named = f" ({named_some(missing, NAMED)}; {every})"
            raise ProcedureError(
                f"{path}: {hosts} of this incident are not in this configuration's"
                f" inventory{all_named}; {then} with the configuration it ran with (--config DIR)"
            )

    def _not_handed_over(self, journal: Path, incident: str) -> None:
        from console.engine.handover import handed_over_from

        if (now := handed_over_from(journal, self.journal_root)) is not None:
            raise JournalError(
                f"{journal}: incident {incident} was handed over and goes on in {now};"
                f" this journal is kept as it was, to read only:"
                f" {again(f'follow {incident}')}"
            )

    def _reopen(
        self, loaded: Loaded, systems: list[str] | None, take_over: str | None
    ) -> Conductor:
        state = loaded.state
        if systems is None:
            systems = [] if state.outcome else list(state.systems)
        directory = loaded.path.parent
        incident = state.incident_id or directory.name
        self._not_handed_over(loaded.path, incident)
        JournalLock.check(loaded.path, incident)  # its live writer named, as check_resume does
        claim = self.claim(incident, systems, take_over, loaded.path)
        try:
            # One writer per journal: a closed incident amended elsewhere holds no system
            # lock. Refused here, the systems' locks just taken are given back (an open
            # incident's live writer holds them: its refusal came above, naming it).
            journal_lock = JournalLock(loaded.path, incident)
        except JournalError:
            claim.release()
            raise
        try:
            if _stamp(loaded.path) != loaded.stamp:  # written to before the locks were ours
                loaded = self.read(loaded.path)
            writer = JournalWriter(loaded.path, journal_lock)
        except BaseException:
            journal_lock.close()
            raise
        from console.engine.config_kept import incident_redactor
        from console.journal.recorder import Recorder

        redactor = incident_redactor(loaded.events, self.settings, loaded.path)
        recorder = Recorder(writer, self.clock, self.actor, redactor, loaded.events, loaded.state)
        return self._conductor(directory, claim, recorder)

    def incidents(self, unlisted: list[str] | None = None) -> list[IncidentSummary]:
        """Journals under the root, newest first; unreadable ones are left out (said in
        `unlisted`). The listing (with the handover's and custody's records) is imported
        here: exec, run and drill list nothing (~8 M instructions, issue 18)."""
        from console.engine.listing import list_incidents

        return list_incidents(self.journal_root, self.locks, unlisted)

    async def close(self) -> None:
        """Give back every lock still held (a console that stops holds nothing), then
        close the SSH connections."""
        for conductor in self._conductors:
            if not conductor.recorder.closed:
                try:
                    conductor.release_locks()  # journalled: a follower sees nobody driving
                    conductor.recorder.close()
                except JournalWriteFailed:  # not on record: its locks stay (stale once this
                    continue  # process ends), and its incident takes them back when resumed
        for claim in self._claims:
            claim.release()
        await self.pool.close()
