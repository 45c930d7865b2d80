"""What a lock held by a closed incident is: kept at its close while hosts were unknown
(a change may still run there), read from that incident's journal."""

from __future__ import annotations

from pathlib import Path


def closed_keeping(incident: str, journal: Path) -> str:
    """One sentence or two for a refusal on `incident`'s lock: closed with the outcome
    unknown on its hosts, and the verify by hand that takes the lock over; closed
    otherwise, its outcome. Empty for an incident still open."""
    from console.journal.store import read_journal
    from console.model.outcome import verify_by_hand
    from console.model.payloads import LockKept
    from console.model.state import fold

    events = read_journal(journal).events
    state = fold(events)
    if not state.closed:
        return ""
    hosts = state.unknown_at_close
    if not hosts:
        return f"Incident {incident} is closed ({state.outcome_label})."
    kept = {s for e in events if isinstance(e.data, LockKept) for s in e.data.systems}
    systems = sorted(kept or {state.hosts[h] for h in hosts if h in state.hosts}) or state.systems
    return (
        f"Incident {incident} was closed with the outcome unknown"
        f" on {', '.join(hosts)}: a change may still run there. Check it first, as the"
        f" verify by hand does: {verify_by_hand(systems, hosts)}."
    )
