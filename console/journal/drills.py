"""Past drills, read from the journals in a directory of incidents: what the schedule
(model/drill_schedule.py) is computed from."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from console.journal.files import JOURNAL_NAME, JournalError, open_read
from console.journal.store import parse_line
from console.model.drill_schedule import DrillRun, RecoveryResult
from console.model.events import Event


def _drill_events(path: Path) -> list[Event]:
    """The opening and the verdict of a journal, without parsing the rest."""
    try:  # as every reader of a journal opens it: never a link, a FIFO, another's
        with open_read(path) as journal:
            lines = journal.read().split(b"\n")
    except OSError as exc:
        raise JournalError(f"{path}: {exc.strerror or exc}") from None
    return [
        parse_line(raw, path, number)
        for number, raw in enumerate(lines[:-1], start=1)  # the last is empty, or torn
        if b'"incident.opened"' in raw or b'"drill.judged"' in raw
    ]


def drill_run(events: list[Event], journal: str = "") -> DrillRun | None:
    """The judged drill in these events, or None (not a drill, or not judged: it was
    interrupted, and a drill that never finished proves nothing)."""
    # Named here, not at the top: the home screen's drill schedule imports this module
    # on the console's way to its first frame, and reads a verdict only if there is one.
    from console.model.payloads import DrillJudged, IncidentOpened

    opened = next((e for e in events if isinstance(e.data, IncidentOpened)), None)
    judged = next((e.data for e in reversed(events) if isinstance(e.data, DrillJudged)), None)
    if opened is None or judged is None or not opened.payload(IncidentOpened).drill:
        return None
    recovery = {
        system: RecoveryResult(r.get("seconds"), r.get("target_minutes"), r.get("verdict", ""))
        for system, r in judged.recovery.items()
        if isinstance(r, dict)
    }
    return DrillRun(
        scenario=judged.scenario,
        systems=tuple(judged.systems),
        at=opened.ts,
        passed=judged.passed,
        outcome=judged.outcome,
        expected=judged.expected,
        journal=journal,
        recovery=recovery,
        why=judged.findings[0] if judged.findings and not judged.passed else "",
    )


@dataclass(frozen=True)
class Unreadable:
    """A journal under the incidents directory that cannot be read: a drill it records
    is not counted. `written`: its file's last change."""

    journal: str
    why: str
    written: datetime

    def said(self) -> str:
        """Its warning, as `drill --status` and the console's drills screen say it."""
        return (
            f"warning: {self.journal} cannot be read ({self.why}): a drill it records is not"
            " counted; repair it, or move it out of the incidents directory"
        )


def uncounted(unreadable: list[Unreadable], runs: list[DrillRun], now: datetime) -> list[str]:
    """A warning for each journal that cannot be read, and each passing drill dated after
    now (a clock stepped back since, or another host's): the schedule does not count them,
    and a table reading OVERDUE said nothing of why (`drill --status` on stderr, the
    console's drills screen)."""
    when = "%Y-%m-%d %H:%M UTC"
    said = [u.said() for u in unreadable]
    for run in (r for r in runs if r.passed and r.at > now):
        said.append(
            f"warning: the {run.scenario} drill that passed {run.at:{when}} ({run.journal}) is"
            f" dated after now, {now:{when}}: it is not counted until then; is this host's"
            " clock right?"
        )
    return said


def past_drills(root: Path) -> list[DrillRun]:
    """Every judged drill under `root` (one incident directory each), oldest first;
    a journal that cannot be read is left out."""
    return read_drills(root)[0]


def read_drills(root: Path) -> tuple[list[DrillRun], list[Unreadable]]:
    """Every judged drill under `root`, oldest first, and the journals that cannot be
    read (said by the schedule's commands: what they record is not counted)."""
    runs: list[DrillRun] = []
    unreadable: list[Unreadable] = []
    if not root.is_dir():
        return runs, unreadable
    for path in root.glob(f"*/{JOURNAL_NAME}"):
        try:
            run = drill_run(_drill_events(path), str(path))
        except (JournalError, OSError) as exc:
            with contextlib.suppress(OSError):
                written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                why = str(exc).removeprefix(f"{path}:").lstrip()  # its path is said before it
                why = f"line {why}" if why[:1].isdigit() else why
                unreadable.append(Unreadable(str(path), why, written))
            continue
        if run is not None:
            runs.append(run)
    return sorted(runs, key=lambda r: r.at), sorted(unreadable, key=lambda u: u.written)
