"""Systems affected and data integrity: each host's result, every value recorded about it
before and after the rollback, and each data set's checksum and row counts."""

from __future__ import annotations

import dataclasses
from typing import Any

from console.journal.export import reading
from console.journal.export.facts import Change, HostResult, SystemFacts
from console.journal.export.integrity_facts import IntegrityCheck, Snapshot
from console.journal.export.milestones import strategy_steps
from console.model.events import Event, Kind
from console.model.state import HostStatus, IncidentState
from console.model.step_state import NEEDED_NOTHING

UNKNOWN = (HostStatus.UNKNOWN, HostStatus.RUNNING)


def value_text(value: Any) -> str | None:
    """A recorded value as text: `0.31`, `2400` (not `2400.0`), `2.4.1`."""
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def host_results(state: IncidentState, titles: dict[str, str]) -> dict[str, HostResult]:
    """Each selected host's latest outcome, in the order the hosts were selected; a host
    that needed nothing (`StepState.needed_nothing`) says so, with why, and that step, also
    once the stability check read its state again."""
    out = {}
    for host in state.hosts:
        step, run = state.standing_run(host) or (None, None)
        status = run.status if run else HostStatus.PENDING
        held = state.step(step).held if step and status is HostStatus.HELD else None
        said = None if run is None else status.value
        if run is not None and (needed := state.needed_nothing(host)):
            (step, detail), said = needed, NEEDED_NOTHING
            run = dataclasses.replace(run, detail=detail)
        out[host] = HostResult(
            host=host,
            status="not touched" if said is None else said,
            known=status not in UNKNOWN,
            failure=run.failure.value if run and run.failure else None,
            detail=run.detail if run else None,
            said=(run.said() or None) if run and status is HostStatus.FAILED else None,
            held_at=f"{held.percent} %" if held else None,
            last_step=step,
            last_step_title=titles.get(step or "", step),
        )
    return out


class _Readings:
    """Per host and key: the value before the rollback and the latest one after it."""

    def __init__(self) -> None:
        self.before: dict[tuple[str, str], str | None] = {}
        self.after: dict[tuple[str, str], str | None] = {}
        self.keys: dict[str, str] = {}  # key → source, in the order first seen

    def saw(
        self,
        source: str,
        host: str,
        key: str,
        value: Any,
        after: bool,
        latest: bool,
        unit: str = "",
    ) -> None:
        """`unit`: a probe's, after a number (`2400 ms`: a latency read `2400 → 190`, seen)."""
        self.keys.setdefault(key, source)
        slot = self.after if after else self.before
        if latest or (host, key) not in slot:
            text = value_text(value)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            slot[(host, key)] = f"{text} {unit}" if number and unit else text

    def changes(self, hosts: list[str]) -> list[Change]:
        """Hosts grouped by identical before → after pairs, key by key."""
        out = []
        # The assessment's keys as the hosts printed them; then the probes by name, since
        # they are first seen in whatever order their samples came back.
        keys = sorted(
            self.keys.items(),
            key=lambda item: (item[1] == "probe", item[0] if item[1] == "probe" else ""),
        )
        for key, source in keys:
            groups: dict[tuple[str | None, str | None], list[str]] = {}
            for host in hosts:
                pair = (self.before.get((host, key)), self.after.get((host, key)))
                if pair != (None, None):
                    groups.setdefault(pair, []).append(host)
            out += [
                Change(key=key, source=source, before=b, after=a, hosts=members)  # type: ignore[arg-type]
                for (b, a), members in groups.items()
            ]
        return out


def _rollback_started(events: list[Event]) -> int | None:
    """The seq of the rollback's start (its first strategy step's): before and after are
    the journal's order, never the wall clock's (stepped back as the rollback started, NTP
    or a VM resumed, every reading after it read as before: `not read again`)."""
    steps = strategy_steps(events)
    starts = (e.seq for e in events if e.kind == Kind.STEP_STARTED and e.where.step in steps)
    return next(starts, None)


def _touched(events: list[Event], rollback_started: int | None) -> dict[str, int]:
    """The seq of the rollback's first command to each host (its strategy step's first
    command there): a host's waves may start long after the step did, or never."""
    steps = strategy_steps(events)
    out: dict[str, int] = {}
    for event in events:
        host = event.where.host
        if (
            event.kind == Kind.COMMAND_INTENT
            and host
            and event.where.step in steps
            and rollback_started is not None
            and event.seq >= rollback_started
        ):
            out.setdefault(host, event.seq)
    return out


def _read(events: list[Event]) -> _Readings:
    """Assessments (before: the first; after: the latest recorded once the rollback began
    or marked `after`), and probe readings of each host (before: the latest bad sample
    recorded before the rollback sent that host its first command; after: the latest
    recorded since): a sample taken between the canary's wave and a later host's reads
    that host as it was before, never as its after."""
    readings = _Readings()
    rollback_started = _rollback_started(events)
    touched = _touched(events, rollback_started)
    for event in events:
        after = rollback_started is not None and event.seq >= rollback_started
        if event.kind == Kind.ASSESSMENT_RECORDED:
            stage = reading.assessment_stage(event)
            later = stage == "after" or (stage is None and after)
            for host, values in reading.assessed(event).items():
                for key, value in values.items():
                    readings.saw("assessment", host, key, value, later, latest=later)
            continue
        if event.kind not in (Kind.PROBE_SAMPLE, Kind.TRIGGER_DECLARED, Kind.TRIGGER_FIRED):
            continue
        for sample in reading.samples(event):
            bad = sample.get("state") == "bad"
            for host, got in (sample.get("hosts") or {}).items():
                later = host in touched and event.seq > touched[host]
                if isinstance(got, dict) and got.get("error") is None and (later or bad):
                    probe = str(sample.get("probe", "?"))
                    unit = str(sample.get("unit") or "")
                    readings.saw("probe", host, probe, got.get("value"), later, True, unit)
    return readings


def build_systems(
    events: list[Event],
    state: IncidentState,
    titles: dict[str, str],
) -> list[SystemFacts]:
    results = host_results(state, titles)
    readings = _read(events)
    out = []
    for system in state.systems or sorted(set(state.hosts.values())):
        hosts = [h for h, s in state.hosts.items() if s == system]
        changes = [
            c
            for c in readings.changes(hosts)
            if c.source == "assessment" or c.key.startswith(f"{system}/")
        ]
        out.append(SystemFacts(system=system, hosts=[results[h] for h in hosts], changes=changes))
    return out


def _snapshot(record: dict[str, Any] | None) -> Snapshot | None:
    if not isinstance(record, dict):
        return None
    return Snapshot(
        checksum=record.get("checksum"),
        rows=dict(record.get("rows") or {}),
        absent=list(record.get("absent") or []),
    )


def integrity_runs(records: list[dict[str, Any]]) -> list[dict[str, dict[str, Any]]]:
    """The records grouped by run, in the order the runs began: a (step, host)'s before
    (a drill's baseline) opens a run, its after closes it. A step run again (a retry, a
    restore after its undo) is a run of its own, and so is each after of a step that
    records no before (an undo): every state the data was left in keeps its row."""
    runs: list[dict[str, dict[str, Any]]] = []
    current: dict[tuple[Any, Any], dict[str, dict[str, Any]]] = {}
    for record in records:
        key, stage = (record.get("step"), record.get("host")), str(record.get("stage"))
        run = current.get(key)
        if run is None or stage in ("before", "baseline") or (stage == "after" and _closed(run)):
            run = current[key] = {}
            runs.append(run)
        run[stage] = record
    return runs


def _closed(run: dict[str, dict[str, Any]]) -> bool:
    """An after again where the run had only an after (an undo done again): a new run.
    Where it had a before, the later after stands for that run (a verify run again)."""
    return "after" in run and not ({"before", "baseline"} & run.keys())


def build_integrity(state: IncidentState) -> list[IntegrityCheck]:
    """Each run of a data-touching step on a host, in the order they began: its before
    record (a drill's baseline), its after record, the expectation."""
    runs = integrity_runs(state.integrity)
    last = {_key(stages): i for i, stages in enumerate(runs)}
    out = []
    for i, stages in enumerate(runs):
        step, host = _key(stages)
        after = stages.get("after")
        before = stages.get("before") or stages.get("baseline")
        said = after or before or next(iter(stages.values()))
        verdict, detail = str(said.get("verdict") or "recorded"), said.get("detail") or None
        if after is None and "before" in stages:
            if last[(step, host)] != i:  # a run of the step after it: a row below
                verdict, detail = "not reached", "ended before its after record; the step ran again"
            elif stopped := _stopped(state, step, host):
                verdict, detail = "not reached", stopped
        out.append(
            IntegrityCheck(
                host=host,
                step=step,
                strategy=said.get("strategy"),
                database=said.get("database") or (before or {}).get("database"),
                before=_snapshot(before),
                after=_snapshot(after),
                expected=_snapshot(said.get("expected")),
                verdict=verdict,
                detail=detail,
                recovery=(after or {}).get("recovery"),
                restored=(after or {}).get("restored"),
                checks=list((after or {}).get("checks") or []),
            )
        )
    return out


def _key(stages: dict[str, dict[str, Any]]) -> tuple[str | None, str | None]:
    record = next(iter(stages.values()))
    return record.get("step"), record.get("host")


def _stopped(state: IncidentState, step: str | None, host: str | None) -> str | None:
    """Why a host has no after record where its run ended without one (failed, aborted,
    refused, unknown), or None while it may still come (running, or it succeeded)."""
    run = state.step(step).hosts.get(host) if step and host else None
    if run is None or run.status in (HostStatus.SUCCEEDED, HostStatus.RUNNING):
        return None
    at = f" at {run.stage}" if run.stage else ""
    return f"{run.status.value}{at}: no after record was taken"
