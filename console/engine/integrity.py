"""Data integrity: parse `integrity ...` lines from a step's output, journal and judge them.

A data-touching command prints lines such as
`integrity stage=before database=shop checksum=ab12 rows.orders=15 rows.customers=4`; stage
is `before`, `after` or `expected` (`database`, where the tables were counted, is said
when known). Every host gets a before and an after record; an
after that differs from the expected summary, or a missing record, fails the host.
An `expected` line with nothing on it says no expectation exists (a recovery to a
point in time): the after is recorded, not judged. A recovery's verify also prints where it
stopped, `recovery timeline=3 stopped=before 2025-05-16 10:29:30.25+00` (the rest of the
line is PostgreSQL's own words): the after record carries it, and so it does what the
data was brought back to, `restored to backup /var/backups/pg/nightly (started ...)` or
`restored to schema version 1 (from 2, reversing 2_note.down.sql)`, and what it checked on
the database and found, a `checked: ...` line each (`checked: recovery stopped at the
restore point before-deploy-42, as asked ...`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from console.journal.event_log import EventLog
from console.journal.recorder import Recorder
from console.model import payloads
from console.model.events import Event, Kind
from console.model.integrity_judged import held_to
from console.model.kinds import HEALTH
from console.model.payloads import CommandIntent, CommandOutput, CommandResult
from console.model.payloads.checks import RecoveryStop
from console.model.status import FailureClass

LINE = re.compile(r"^\s*integrity\s+(.*)$")
TOKEN = re.compile(r"([A-Za-z0-9_.]+)=(\S+)")
RECOVERY = re.compile(r"^\s*recovery\s+timeline=([0-9]{1,10})\s+stopped=(\S.*?)\s*$")
RESTORED = re.compile(r"^\s*restored to\s+(\S.*?)\s*$")
# Why an after with no expectation was not judged, where no summary came before it.
NO_BEFORE = "not judged: no integrity summary before the change"
# An undo's after, where nothing before it can judge it, and why (the step it undoes named):
# an undo before it put the data back already (judged then; the data has lived since), its
# step measured nothing before it ran (a cluster that was not running), or printed nothing.
PUT_BACK = (
    "not judged: an earlier undo put back the data from before {step} ran already;"
    " nothing was measured before this one to compare it with"
)
NOTHING_BEFORE = "not judged: nothing was measured before {step} ran"
NO_STEP_BEFORE = "not judged: no integrity summary before {step} ran to compare it with"
CHECKED = re.compile(r"^\s*checked:\s+(\S.*?)\s*$")


@dataclass
class Summary:
    """A checksum and per-table row counts; either may be absent in an expectation."""

    checksum: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)  # tables named that do not exist
    database: str | None = None  # where they were counted, when the line says

    @property
    def empty(self) -> bool:
        return self.checksum is None and not self.rows

    def as_data(self) -> dict[str, Any]:
        return {"checksum": self.checksum, "rows": dict(self.rows)}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Summary:
        return cls(data.get("checksum"), {k: int(v) for k, v in data.get("rows", {}).items()})


def parse_line(line: str) -> tuple[str, Summary] | None:
    """(stage, summary) from one `integrity` line, or None if it is not one."""
    match = LINE.match(line)
    if not match:
        return None
    summary, stage = Summary(), "current"
    for key, value in TOKEN.findall(match.group(1)):
        if key == "stage":
            stage = value
        elif key == "checksum":
            summary.checksum = value
        elif key.startswith("rows.") and value.isdigit():
            summary.rows[key.removeprefix("rows.")] = int(value)
        elif key == "absent":
            summary.absent = [t for t in value.split(",") if t]
        elif key == "database":
            summary.database = value
    return stage, summary


def parse_recovery(line: str) -> RecoveryStop | None:
    """Where a recovery stopped, from one `recovery timeline=N stopped=...` line, or None."""
    match = RECOVERY.match(line)
    if not match:
        return None
    return {"timeline": int(match.group(1)), "stopped": match.group(2)}


def parse_restored(line: str) -> str | None:
    """What the data was brought back to, from one `restored to ...` line, or None."""
    match = RESTORED.match(line)
    return match.group(1) if match else None


def parse_checked(line: str) -> str | None:
    """What a verify checked and found, from one `checked: ...` line, or None."""
    match = CHECKED.match(line)
    return match.group(1) if match else None


def differences(found: Summary, expected: Summary) -> list[str]:
    """What differs, judged only on what the expectation names."""
    out = []
    if expected.checksum and found.checksum != expected.checksum:
        out.append(f"checksum {found.checksum} != expected {expected.checksum}")
    for table, count in sorted(expected.rows.items()):
        if table in found.absent:
            out.append(f"rows.{table}: no such table, expected {count} rows")
        elif found.rows.get(table) != count:
            out.append(f"rows.{table} {found.rows.get(table, 'not measured')} != expected {count}")
    return out


def kept_rows(before: Summary, after: Summary) -> Summary:
    """With no explicit expectation, every table that survives keeps its row count."""
    return Summary(None, {t: n for t, n in before.rows.items() if t in after.rows})


def integrity_payload(
    stage: str,
    found: Summary | None,
    expected: Summary | None,
    verdict: str,
    detail: str,
    strategy: str | None = None,
    recovery: RecoveryStop | None = None,
    restored: str | None = None,
    checks: list[str] | None = None,
) -> payloads.IntegrityRecorded:
    """The `integrity.recorded` event of one host's summary at a stage, and its verdict;
    `recovery`: where a recovery stopped, `restored`: what the data was brought back to,
    `checks`: what the verify checked and found (an after's), each said only when known."""
    absent = found.absent if found else []
    database = found.database if found else None
    said: dict[str, Any] = {
        "recovery": recovery,
        "restored": restored,
        "checks": checks,
        "absent": absent,
        "database": database,
    }
    said = {k: v for k, v in said.items() if v}  # said only when known
    return payloads.IntegrityRecorded(
        strategy=strategy,
        stage=stage,
        checksum=found.checksum if found else None,
        rows=dict(found.rows) if found else {},
        expected=expected.as_data() if expected else None,
        verdict=verdict,
        detail=detail,
        **said,
    )


class Said(NamedTuple):
    """What an after's verify said beside its integrity line: where a recovery stopped,
    what the data was brought back to, what it checked and found."""

    recovery: RecoveryStop | None = None
    restored: str | None = None
    checks: list[str] | None = None


@dataclass
class _HostLines:
    stage: str | None = None
    lines: list[str] = field(default_factory=list)
    expected: Summary | None = None


@dataclass
class UndoBaseline:
    """The data an undo of `step` puts back on each host (`data`, its step's before), and
    the hosts an earlier undo put it back on already (`put_back`)."""

    step: str
    data: dict[str, Summary] = field(default_factory=dict)
    put_back: set[str] = field(default_factory=set)

    def unjudged(self, host: str) -> str:
        """Why the undo's after on `host` is recorded, not judged."""
        if host in self.data:  # an empty before: the step measured nothing there
            return NOTHING_BEFORE.format(step=self.step)
        said = PUT_BACK if host in self.put_back else NO_STEP_BEFORE
        return said.format(step=self.step)


def undo_baseline(records: list[dict[str, Any]], step: str) -> UndoBaseline:
    """What the undo of `step` is judged against on each host (`integrity.recorded`'s
    `records`, in order): the data before the step first ran there since an undo last ran
    (a retry records its own "before", of data the first attempt had changed already); an
    undo asked again after one whose data failed its check is judged as that one was. And
    the hosts an undo put the data back on already, the step not run there since: nothing
    before them judges another undo."""
    undo, baseline, undone = f"{step}.undo", UndoBaseline(step), set()
    for r in records:
        host = r["host"]
        if (r["step"], r["stage"]) == (undo, "after"):
            undone.add(host)
            if r["verdict"] in ("match", "recorded"):
                baseline.data.pop(host, None)
                baseline.put_back.add(host)
        elif (r["step"], r["stage"], r["verdict"]) == (step, "before", "recorded") and (
            host not in baseline.data or host in undone
        ):
            baseline.data[host] = Summary.from_data(r)
            baseline.put_back.discard(host)
            undone.discard(host)
    return baseline


class IntegrityWatch:
    """Follows one step's events; records integrity before and after for each host.

    `undoing` is what an undo is judged against: the data as it was before the step being
    undone. An undo is never failed for want of a before (it has none of its own): with
    nothing to judge it by, its after is recorded, and why it was not judged said.
    """

    def __init__(
        self,
        recorder: Recorder,
        step: str,
        strategy: str,
        expected: Summary | None = None,
        undoing: UndoBaseline | None = None,
    ):
        self.recorder, self.step, self.strategy = recorder, step, strategy
        self.expected_override = expected
        self.undoing = undoing
        self.baseline = undoing.data if undoing else {}
        self.before: dict[str, Summary] = {}
        self.failed: dict[str, str] = {}
        self._hosts: dict[str, _HostLines] = {}
        self._unsubscribe: Callable[[], None] | None = None

    def carry_on(
        self,
        hosts: list[str],
        records: list[dict[str, Any]],
        events: EventLog,
        step: str | None = None,
    ) -> IntegrityWatch:
        """For a verify after a crash (V): what the interrupted run had recorded and heard
        of each host, its before (the record) and its expected line (the precheck's), so
        that the verify's after is recorded and judged as the run would have. `step`: the
        interrupted step, where another incident verifies it by hand (`verify ID`)."""
        step = step or self.step
        for r in records:  # the latest before of the step, of its latest attempt
            recorded = (r["step"], r["stage"], r["verdict"]) == (step, "before", "recorded")
            if recorded and r["host"] in hosts:
                self.before[r["host"]] = Summary.from_data(r)
        for host in hosts:
            where = (Kind.COMMAND_OUTPUT.value, host, step)

            def output(place: tuple[str, str | None, str | None, str | None]) -> bool:
                return (place[0], place[2], place[3]) == where  # noqa: B023 (read at once)

            for index in events.indices(output, newest_first=True):
                data = events[index].data
                assert isinstance(data, CommandOutput)
                lines = data.lines if data.stream == "stdout" else []
                found = [p for p in map(parse_line, reversed(lines)) if p and p[0] == "expected"]
                if found:
                    self._hosts[host] = _HostLines(expected=found[0][1])
                    break
        return self

    def judge(self, host: str) -> FailureClass | None:
        """Why `host` fails the step on its data (a mismatch or a missing record), or None."""
        return FailureClass.INTEGRITY if host in self.failed else None

    def __enter__(self) -> IntegrityWatch:
        self._unsubscribe = self.recorder.subscribe(self._on)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._unsubscribe:
            self._unsubscribe()

    def _on(self, event: Event) -> None:
        host = event.where.host
        if event.where.step != self.step or not host:
            return
        state = self._hosts.setdefault(host, _HostLines())
        data = event.data
        if isinstance(data, CommandIntent):
            # the strategy's own health command runs after the verify: the verify's
            # lines (its integrity after) are still the change's to judge then
            if data.stage != HEALTH:
                state.lines = []
            state.stage = data.stage
        elif isinstance(data, CommandOutput) and data.stream == "stdout":
            state.lines += data.lines
        elif isinstance(data, CommandResult) and not data.failure:
            self._stage_done(event, state, data.final)

    def _stage_done(self, event: Event, state: _HostLines, final: bool) -> None:
        host = event.where.host or ""
        parsed = [p for p in map(parse_line, state.lines) if p]
        for stage, summary in parsed:
            if stage == "expected":
                state.expected = summary
            elif stage == "before" and host not in self.before:
                self.before[host] = summary
                self._record(event, "before", summary, None, "recorded", "")
        if not final:
            return
        after = next((s for stage, s in reversed(parsed) if stage == "after"), None)
        stops = [r for r in map(parse_recovery, state.lines) if r]
        recovery = stops[-1] if stops else None
        restored = next(filter(None, map(parse_restored, reversed(state.lines))), None)
        said = Said(recovery, restored, [c for c in map(parse_checked, state.lines) if c])
        unjudged = self.undoing.unjudged(host) if self.undoing else NO_BEFORE
        if host not in self.before and host not in self.baseline and not self.undoing:
            self._fail(event, "before", None, "no integrity summary before the change")
        if after is None:
            self._fail(event, "after", None, "no integrity summary after the change")
            return
        put_back = self.baseline.get(host)  # an undo's: the data before its step ran
        expected = self.expected_override or put_back or state.expected
        # nothing else expected: every table keeps the rows it had before (a migration's)
        kept = expected is None and host in self.before
        if kept:
            expected = kept_rows(self.before[host], after)
        none_expected = expected is not None and expected.empty
        if none_expected:
            expected = None  # the command says nothing is expected: record only
        diffs = differences(after, expected) if expected else []
        if diffs:
            self._fail(event, "after", after, "; ".join(diffs), expected, said)
        else:
            verdict = "match" if expected else "recorded"
            # not judged for want of a before, not because nothing was expected of it
            judged = expected or host in self.before
            why = "" if judged or (none_expected and not self.undoing) else unjudged
            # a match says what it was held to: the before (an undo's, its step's), no more
            if kept and expected:
                why = held_to({"rows": expected.rows}, self.step)
            elif self.undoing and expected and expected is put_back:
                why = held_to(expected.as_data(), self.undoing.step)
            self._record(event, "after", after, expected, verdict, why, said)

    def _fail(
        self,
        event: Event,
        stage: str,
        found: Summary | None,
        detail: str,
        expected: Summary | None = None,
        said: Said | None = None,
    ) -> None:
        verdict = "missing" if found is None else "mismatch"
        self.failed[event.where.host or ""] = detail
        self._record(event, stage, found, expected, verdict, detail, said)

    def _record(
        self,
        event: Event,
        stage: str,
        found: Summary | None,
        expected: Summary | None,
        verdict: str,
        detail: str,
        said: Said | None = None,
    ) -> None:
        said = said or Said()
        payload = integrity_payload(stage, found, expected, verdict, detail, self.strategy, *said)
        self.recorder.record(
            payload,
            system=event.where.system,
            host=event.where.host,
            step=self.step,
        )
