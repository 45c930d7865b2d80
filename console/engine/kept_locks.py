"""What a lock held by another incident is, read from that incident's journal: kept at its
close while hosts were unknown (a change may still run there), or left by a process that
is gone from an incident still open."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.model.state import IncidentState


def holder_journal(journal_root: Path, incident: str, named: str) -> Path | None:
    """The journal of `incident`, which holds a lock: the one its lock file names
    (`named`; an incident journalled with --journal is nowhere else), else the one of
    that id under `journal_root` (lock files before 2026-12-03 name none); None if
    neither is there, or this account may not look (another's, in a team's lock_dir)."""
    from console.journal.files import JOURNAL_NAME

    for path in (Path(named) if named else None, journal_root / incident / JOURNAL_NAME):
        with contextlib.suppress(OSError):
            if path is not None and path.is_file():
                return path
    return None


def closed_keeping(incident: str, journal: Path) -> str:
    """One sentence or two for a refusal on `incident`'s lock: closed with the outcome
    unknown on its hosts, and the verify by hand that takes the lock over; closed
    otherwise, its outcome. Empty for an incident still open, or a journal that cannot
    be read or is another incident's."""
    from console.journal.files import JournalError
    from console.journal.store import read_journal
    from console.model.outcome import check_by_hand, verify_by_hand
    from console.model.payloads import LockKept
    from console.model.state import fold

    try:
        events = read_journal(journal).events
    except (JournalError, OSError):  # the refusal stands, unexplained
        return ""
    state = fold(events)
    if not state.closed or (state.incident_id or incident) != incident:
        return ""
    kept = [e.data for e in events if isinstance(e.data, LockKept)]
    said, left = drill_faults_left(state)
    if said and not state.unknown_at_close and kept:
        systems = sorted({s for k in kept for s in k.systems})
        return (
            f"Drill {incident} was closed with a fault NOT undone on {', '.join(left)}:"
            f" {'; '.join(said)}. {fault_lock_kept(systems, left)}"
        )
    # A verify by hand keeps them too for a host whose earlier attempt still ran there.
    hosts = state.unknown_at_close or sorted({h for k in kept for h in k.hosts})
    if not hosts:
        return f"Incident {incident} is closed ({state.outcome_label})."
    of = f" (a verify by hand of incident {state.verifies})" if state.verifies else ""
    how = (
        f"as a check by hand does: {check_by_hand(sorted({s for k in kept for s in k.systems}), hosts)},"
        " with a command that tells whether the change was made"
        if state.left_by_commands(hosts) and kept
        else f"as the verify by hand does: {verify_by_hand(state.verifies or incident)}"
    )
    return (
        f"Incident {incident}{of} was closed with the outcome unknown"
        f" on {', '.join(hosts)}: a change may still run there. Check it first, {how}."
    )


def left_open(incident: str, journal: Path, verify: str = "V") -> str:
    """One sentence for a refusal on the stale lock of `incident`, still open (its process
    gone: killed, crashed): resume it instead, then `verify` (the key the [keymap] binds),
    or the command line's verify, naming the hosts whose outcome it left unknown. Empty for a closed incident, or a journal that cannot be read or is another
    incident's."""
    from console.journal.files import JournalError
    from console.journal.store import read_journal
    from console.model.invocation import again
    from console.model.state import HostStatus, fold

    try:
        state = fold(read_journal(journal).events)
    except (JournalError, OSError):
        return ""
    if state.closed or (state.incident_id or incident) != incident:
        return ""
    left = (HostStatus.RUNNING, HostStatus.UNKNOWN)  # running, as read back: no outcome
    hosts = sorted(
        {h for st in state.steps.values() for h, r in st.hosts.items() if r.status in left}
    )
    unknown = (
        f", with the outcome unknown on {', '.join(hosts)} (sent, no outcome on record: a"
        " change may still run there)"
        if hosts
        else ""
    )
    # the console's key, and the command line's verify (where it is read, the key may be
    # of no use: a headless run or exec refused)
    headless = again(f"verify {journal.parent}")
    then = f", then {verify}; without the console: {headless}" if hosts else ""
    drill = faults_never_undone(state)
    if drill:
        drill = (
            f"; a drill cut short before its verdict, {drill}: undo it by hand before anything"
            " else runs there;"
        )
    return (
        f"Incident {incident} is still open{unknown}{drill or ':'} to carry it on instead,"
        f" resume it ({again(f'resume {journal.parent}')}){then}"
    )


def faults_never_undone(state: IncidentState) -> str:
    """`its fault NAME on HOSTS was NEVER UNDONE` for a drill cut short (its console
    ended) after a fault went in and before its undo ran; "" for any other incident.
    Seen: a drill killed with -9 left the bad release on web-1, web-2, and taking its
    stale lock over for the next drill was said to lose nothing: that drill read its
    baseline from the hosts still faulty and undid only its own fault."""
    from console.model.drillfold import faults_left

    if state.scenario is None or state.drill_verdict is not None:
        return ""
    left = faults_left(state)
    return f"its fault {'; '.join(left)} was NEVER UNDONE" if left else ""


def drill_faults_never_undone(journal: Path) -> str:
    """`faults_never_undone` of the journal at `journal` ("" if it cannot be read)."""
    from console.journal.files import JournalError
    from console.journal.store import read_journal
    from console.model.state import fold

    try:
        return faults_never_undone(fold(read_journal(journal).events))
    except (JournalError, OSError):
        return ""


def drill_faults_left(state: IncidentState) -> tuple[tuple[str, ...], list[str]]:
    """A drill's faults in place at its close, each as its verdict says it (`NAME: undo
    failed on web-2 (exit status 1); to undo it by hand there: ...`), or, cut short before
    its verdict and closed by hand, `NAME on HOSTS: never undone (the drill was cut short
    before its verdict)`; and the hosts where they are. None for any other incident."""
    if state.drill_verdict is None:  # an exec's close: the listing's module left unloaded
        if state.scenario is None:
            return (), []
        from console.model.drillfold import fault_hosts_in_place, faults_left

        cut = "never undone (the drill was cut short before its verdict)"
        return tuple(f"{left}: {cut}" for left in faults_left(state)), fault_hosts_in_place(state)
    from console.engine.listing import not_undone_said

    return not_undone_said(state.drill_verdict), fault_hosts_left(state.drill_verdict)


def fault_hosts_left(verdict: dict[str, Any] | None) -> list[str]:
    """The hosts where a judged drill's faults whose undo failed are in place: where its
    undo left each (before 7 December 2026, not recorded: every host it was in place on;
    walked, a fault undone on app-2 and held on app-1 named both in the command asked)."""
    faults = (verdict or {}).get("faults") or []
    left = [(f, u) for f in faults if (u := f.get("undone")) is not None and not u.get("ok")]
    return sorted(
        {h for f, u in left for h in u.get("left", f.get("in_place", f.get("hosts") or []))}
    )


def fault_lock_kept(systems: list[str], hosts: list[str], console: bool = False) -> str:
    """What a drill's close that kept `systems`' locks for a fault NOT undone on `hosts`
    asks of a person, and the command that lets go of them; `console`: said by the console
    that closed it, which holds them until it quits (a live holder's lock is never taken
    over: the command is refused until then)."""
    from console.model.outcome import check_by_hand

    if console:
        return (
            "Undo it there; once this console has quit, a command that shows it undone releases"
            f" the lock: {check_by_hand(systems, hosts)}"
        )
    return (
        "Undo it there first, then release the lock with a command that shows it undone:"
        f" {check_by_hand(systems, hosts)}"
    )


def fault_kept_said(systems: list[str], hosts: list[str], console: bool = False) -> str:
    """`a fault is NOT undone on web-2: the lock on web stays held. Undo it ...`: a drill's
    close that kept its locks for a fault in place (headless; `console`: its toast and
    report, `The lock on web is kept: ...`)."""
    lock = f"lock{'s' if len(systems) > 1 else ''} on {', '.join(systems)}"
    if console:  # a sentence of its own, in a toast or a report
        is_kept = "are kept" if len(systems) > 1 else "is kept"
        return f"The {lock} {is_kept}: a drill's fault is NOT undone on {', '.join(hosts)}. " + (
            f"{fault_lock_kept(systems, hosts, console)}."
        )
    stays = "stay" if len(systems) > 1 else "stays"
    return f"a fault is NOT undone on {', '.join(hosts)}: the {lock} {stays} held. " + (
        fault_lock_kept(systems, hosts, console)
    )


def locks_of(kept: list[str], state: IncidentState, hosts: list[str]) -> list[str]:
    """Of the locks `kept` at a close, those of `hosts`' systems (all of them for a host
    the record places nowhere): a toast or a parting line says each lock for its reason."""
    if any(h not in state.hosts for h in hosts):
        return kept
    return sorted({state.hosts[h] for h in hosts} & set(kept))
