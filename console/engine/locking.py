"""System locks held while an incident executes, journalled when taken or taken over."""

from __future__ import annotations

import os
import socket
from dataclasses import asdict

from console.engine.errors import ProcedureError, StaleLock
from console.journal.lock import Holder, LockHeld, SystemLocks
from console.journal.recorder import Recorder
from console.model.events import Kind


class IncidentLocking:
    """Mixin for the conductor: `locks` is None when locking is off (tests, dry runs)."""

    recorder: Recorder
    locks: SystemLocks | None
    lock_takeover_reason: str | None
    _held: set[str]
    _lock_since: str

    @property
    def _incident(self) -> str:
        return self.recorder.state.incident_id or "?"

    def lock_systems(self, systems: list[str]) -> None:
        """Hold the systems' locks before anything runs; refuse if another incident does."""
        wanted = [s for s in systems if s not in self._held]
        if self.locks is None or not wanted:
            return
        self._lock_since = self._lock_since or self.recorder.clock.now().isoformat()
        me = Holder(
            pid=os.getpid(),
            user=self.recorder.actor.user,
            host=socket.gethostname(),
            started=self._lock_since,
            incident=self._incident,
        )
        for system in wanted:
            try:
                stale = self.locks.acquire(system, me, bool(self.lock_takeover_reason))
            except LockHeld as held:
                raise (StaleLock if held.stale else ProcedureError)(str(held)) from None
            self._held.add(system)
            if stale is not None:
                self.recorder.record(
                    Kind.LOCK_TAKEN_OVER,
                    system=system,
                    previous=asdict(stale),
                    reason=self.lock_takeover_reason,
                )
        self.recorder.record(Kind.LOCK_ACQUIRED, systems=wanted, pid=me.pid, host=me.host)

    def release_locks(self) -> None:
        if self.locks is None or not self._held:
            return
        me = Holder(
            os.getpid(),
            self.recorder.actor.user,
            socket.gethostname(),
            "",
            self._incident,
        )
        for system in sorted(self._held):
            self.locks.release(system, me)
        self.recorder.record(Kind.LOCK_RELEASED, systems=sorted(self._held))
        self._held.clear()
