"""Before command of a teammate's incident is asked for or taken: what resuming it here
would refuse up front is refused first, nothing asked, copied or recorded, so the record
never says a hand-over this console cannot honour. Seen: r on a killed teammate's
incident recorded the hand-over and moved their journal aside, then the resume refused
"host(s) web-1 of this incident are not in this configuration's inventory"."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from console.engine.errors import LockRefused, ProcedureError, StaleLock
from console.engine.handover import HandOverRefused
from console.engine.locking import Claim
from console.journal.files import JournalError

if TYPE_CHECKING:
    from console.engine.session import Engine
    from console.model.state import IncidentState


def check_take(
    engine: Engine,
    journal: Path,
    state: IncidentState | None = None,
    take_over: str | None = None,
    stale_asked: bool = False,
) -> None:
    """Raise HandOverRefused for an incident nothing of which was recorded or with a host
    this inventory lacks, LockRefused for a system another incident's running process
    locks, StaleLock for one whose process is gone (unless `take_over` says why, or
    `stale_asked`: the console's resume asks then). Locks naming the incident itself are
    its owner's, taken back as it resumes. `state`: as read for the hand-over, else read."""
    if state is None:
        state = engine.read(journal).state
    incident = state.incident_id or journal.parent.name
    try:
        engine.resumable(journal, state, "take command of it")
    except (JournalError, ProcedureError) as exc:
        raise HandOverRefused(str(exc)) from None
    systems = [] if state.outcome else list(state.systems)
    theirs = [s for s in systems if (h := engine.locks.holder(s)) and h.incident != incident]
    claim = Claim.for_incident(engine.locks, incident, engine.actor.user, journal)
    try:
        claim.check(theirs, take_over)
    except LockRefused as refused:
        if isinstance(refused, StaleLock) and stale_asked:
            return
        engine.explain(refused, incident)
        raise
