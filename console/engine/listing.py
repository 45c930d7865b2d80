"""The incidents of a journal directory, each folded just enough for a list (the home
screen's, `rollback-console list`), with whose each one is (`custody`). Loads neither SSH
nor the engine's conductor: a listing is cheap, however long each journal is."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from console.engine.handover import handed_over_from
from console.journal.custody import Custody, custody
from console.journal.files import JOURNAL_NAME, JournalError, open_read
from console.journal.left_open import LastDriver
from console.journal.lock import SystemLocks
from console.journal.outcomes import hand_over_said
from console.journal.results import drill_failed
from console.journal.store import parse_line, read_journal
from console.model.events import Event
from console.model.undo_went import undo_since, undos_went

if TYPE_CHECKING:
    from console.model.recovery import Recovery
    from console.model.state import IncidentState


class IncidentSummary(NamedTuple):
    """One journal on disk, folded: enough for a list of incidents."""

    path: Path
    incident_id: str
    title: str
    opened_at: datetime | None
    outcome: str | None
    outcome_label: str
    closed_at: datetime | None
    drill: bool
    recovery: dict[str, Recovery]  # system → time to verified stable, against its RTO
    # How the undo of its strategy steps went since they ran (after the close too): "" none
    # ran, else undone, in part, refused (nothing changed), not ended, held or failed
    # (model/undo_went.py).
    undo: str = ""
    drill_failed: bool = False  # a drill judged failed, whatever its outcome
    custody: Custody | None = None  # whose it is, who writes it, which locks name it
    # Open, and nobody drives it: how its last writer ended, when its last event was.
    ended: str | None = None
    systems: tuple[str, ...] = ()  # those picked for it
    # Its last hand-over: `rbbob took command from rbalice at ...: REASON`, `Handed over
    # to rbbob by rbalice at ...: REASON`, or "" (hand_over_said).
    handed_over: str = ""
    # A judged drill's faults its undo did not take off: `NAME: undo failed on web-2 ...`.
    not_undone: tuple[str, ...] = ()


def _incident_events(path: Path) -> tuple[list[Event], LastDriver]:
    """The `incident.*`, `recovery.measured`, `step.completed` and an undo's `step.started`
    (whether a step was undone since, or is being), `drill.judged`, `systems.selected` and `integrity.recorded` (an ad-hoc
    drill's verdict) events of a journal, all a summary needs, without parsing
    the rest: listing incidents must stay cheap however long one of them is. Beside
    them, its last writer, from its `lock.*` events and its last one."""
    with open_read(path) as journal:
        lines = journal.read().split(b"\n")
    events, driver = [], LastDriver(path.parent)
    whole = lines[:-1]  # the last is empty, or torn
    for number, raw in enumerate(whole, start=1):
        if any(kind in raw for kind in SUMMARY_KINDS) or (b'"step.started"' in raw and UNDO in raw):
            events.append(parse_line(raw, path, number))
        if b'"lock.' in raw and (event := parse_line(raw, path, number)).kind.startswith("lock."):
            driver.feed(event)
    if whole and whole[-1].strip():
        driver.last = parse_line(whole[-1], path, len(whole))
    return events, driver


UNDO = b'.undo"'  # an undo's start: one with no end yet is not said failed
SUMMARY_KINDS = (
    *(b'"incident.', b'"recovery.measured"', b'"step.completed"', b'"drill.judged"'),
    *(b'"systems.selected"', b'"integrity.recorded"'),  # an ad-hoc drill's verdict
    *(b'"trigger.declared"', b'"commander.handed_over"'),  # who had command, and who has
)


def list_incidents(
    journal_root: Path, locks: SystemLocks, unlisted: list[str] | None = None
) -> list[IncidentSummary]:
    """The journals under `journal_root`, newest first, each with its custody (the
    system locks of `locks` that name it); those that cannot be read (no file of its
    directory's account: a link, a FIFO, another's; or a line that is no event) are left
    out, each said in `unlisted`."""
    found: list[IncidentSummary] = []
    journals = sorted(journal_root.glob(f"*/{JOURNAL_NAME}"))
    if not journals:  # the fold's modules are not loaded for an empty list
        return found
    from console.model.state import fold

    try:
        held = locks.held()
    except OSError:  # no lock directory yet, or not this account's to list
        held = {}
    for path in journals:
        if handed_over_from(path, journal_root) is not None:  # its copy goes on in ID/
            continue
        try:
            events, driver = _incident_events(path)
            state = fold(events)
        except OSError as exc:
            if unlisted is not None:
                unlisted.append(f"{path}: not listed: {exc.strerror or exc}")
            continue
        except JournalError as exc:
            if unlisted is not None:
                unlisted.append(f"{exc} (not listed)")  # its message names the file, the line
            continue
        steps = [s for s in state.steps if not s.endswith(".undo")]
        undos = [u for s in steps if (u := undo_since(state, s)) is not None]
        incident_id = state.incident_id or path.parent.name
        ended = None if state.closed else driver.ended(quit_too=True)
        not_undone = not_undone_said(state.drill_verdict)
        if state.drill and (ended or state.closed) and state.drill_verdict is None:
            not_undone = _left_in_place(path)  # its process gone, or closed by hand since
        found.append(
            IncidentSummary(
                path=path,
                incident_id=incident_id,
                title=state.title,
                opened_at=state.opened_at,
                outcome=state.outcome,
                outcome_label=state.outcome_label,
                closed_at=state.closed_at,
                drill=state.drill,
                recovery=state.recovery,
                undo=undos_went(undos),
                drill_failed=drill_failed(state),
                custody=custody(path.parent, incident_id, held, _handed(state)),
                ended=ended,
                systems=tuple(state.systems),
                handed_over=hand_over_said(state),
                not_undone=not_undone,
            )
        )
    return sorted(found, key=_newest_first, reverse=True)


def not_undone_said(verdict: dict[str, Any] | None) -> tuple[str, ...]:
    """Each fault of a judged drill whose undo did not succeed, with where and why, as its
    verdict's finding says it (none tried: nothing was in place)."""
    faults = (verdict or {}).get("faults") or []
    return tuple(
        f"{f.get('name')}: {undone.get('detail')}"
        for f in faults
        if (undone := f.get("undone")) is not None and not undone.get("ok")
    )


def _left_in_place(path: Path) -> tuple[str, ...]:
    """An open drill whose process ended before its verdict (killed, its terminal closed):
    each fault it left in place, from the whole journal (read for such a drill alone)."""
    from console.model.drillfold import faults_left
    from console.model.state import fold

    try:
        state = fold(read_journal(path).events)
    except (JournalError, OSError):  # said by the lock's refusal, as it can
        return ()
    cut = "the drill was cut short before its verdict; undo it by hand there"
    return tuple(f"{left}: {cut}" for left in faults_left(state))


def _handed(state: IncidentState) -> dict[str, Any] | None:
    """Its last commander's entry when command changed hands (from whom, by whom)."""
    return state.commanders[-1] if len(state.commanders) > 1 else None


def _newest_first(summary: IncidentSummary) -> tuple[str, float, str]:
    """Its directory's second (`20261205-072805-…`), then the opening's own instant:
    two incidents opened in one second keep the order they were opened in."""
    name = summary.path.parent.name
    opened = summary.opened_at.timestamp() if summary.opened_at else 0.0
    return name[:15], opened, name
