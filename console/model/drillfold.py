"""Fold handlers for a drill's own records: its scenario, injected faults, verdict."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from console.model import payloads
from console.model.events import Event, Kind
from console.model.step_state import FAULT_STEP, fault_steps
from console.model.watchfold import first_trigger

if TYPE_CHECKING:
    from console.model.state import IncidentState


def _started(s: IncidentState, e: Event) -> None:
    s.scenario = e.data.dump()
    s.drill_faults_from = len(s.faults)


def _fault(s: IncidentState, e: Event) -> None:
    """An injected fault is where a drill's recovery clock starts: when it was first in
    place on a host (its event is written once every host has it)."""
    fault = e.payload(payloads.DrillFault)
    at = datetime.fromisoformat(fault.in_place_at) if fault.in_place_at else e.ts
    s.faults.append({**e.data.dump(), "at": at.isoformat(), "undone": None})
    mono, seq = _in_place_mono(s, at) if fault.in_place_at else (e.mono, e.seq)
    first_trigger(s, at, mono, seq)


def _in_place_mono(s: IncidentState, at: datetime) -> tuple[float | None, int]:
    """The monotonic time of the end of the fault's command on its first host (the
    `in_place_at` its event names), from the latest fault step's runs: (None, -1) where
    none ended then."""
    steps = [s.steps[i] for i in s.steps if i == FAULT_STEP or i.startswith(f"{FAULT_STEP}-")]
    if steps:
        for run in steps[-1].hosts.values():
            if run.finished == at and run.finished_mono is not None:
                return run.finished_mono, run.finished_seq
    return None, -1


def _undone(s: IncidentState, e: Event) -> None:
    """The undo of a fault; one that failed on some host was never recorded as in place,
    yet its undo ran where it got to, and a failed undo there must still be seen."""
    undone = e.payload(payloads.DrillFaultUndone)
    result: dict[str, object] = {"ok": undone.ok, "detail": undone.detail}
    if undone.left is not None:  # where it is still in place (older: all its hosts)
        result["left"] = undone.left
    for fault in s.faults:
        if fault.get("name") == undone.name and fault["undone"] is None:
            fault["undone"] = result
            return
    s.faults.append({"name": undone.name, "hosts": undone.hosts, "undone": result})


def _judged(s: IncidentState, e: Event) -> None:
    s.drill_verdict = e.data.dump()


def faults_left(s: IncidentState) -> list[str]:
    """Each injected fault whose undo never ran, or did not succeed, as `NAME on HOSTS`: a
    drill cut short (its console killed, or ended by its terminal closing, its undo then
    not started) leaves them in place on the hosts. Also one whose command was sent and
    whose console ended before every host had answered: its `drill.fault` is never
    written, yet it is in place where its command ended, maybe where it still ran."""
    return [f"{name} on {', '.join(hosts) or '?'}" for name, hosts in _left(s)]


def fault_hosts_in_place(s: IncidentState) -> list[str]:
    """The hosts where `faults_left` are in place."""
    return sorted({h for _, hosts in _left(s) for h in hosts})


def _left(s: IncidentState) -> list[tuple[str, list[str]]]:
    left = [
        (str(f.get("name")), list((f.get("undone") or {}).get("left", f.get("hosts") or [])))
        for f in s.faults
        if not (f.get("undone") or {}).get("ok")
    ]
    return left + _sent_not_recorded(s)


def _sent_not_recorded(s: IncidentState) -> list[tuple[str, list[str]]]:
    """The command fault being injected when the console ended (its step `drill-fault-N`,
    the incident's Nth command fault: each is recorded once every host has it, in order),
    with the hosts it was sent to; none once its undo has run. Its name is
    the latest drill's first fault not recorded (they go in one by one, demo faults too):
    N counts command faults alone, and named the wrong one beside a demo fault."""
    recorded = sum(1 for f in s.faults if f.get("kind") == "command")
    labels = (s.scenario or {}).get("faults") or []
    # recorded by drill.fault (`at`), not an undo's entry for a fault never recorded
    done = sum(1 for f in s.faults[s.drill_faults_from :] if f.get("at"))
    left = []
    for step_id, step in s.steps.items():
        number = step_id.removeprefix(f"{FAULT_STEP}-")
        if number == step_id or not number.isdigit() or int(number) <= recorded:
            continue
        if fault_steps(int(number))[1] in s.steps:  # undone, or tried: said by its undo
            continue
        hosts = [h for h, run in step.hosts.items() if not run.nothing_sent()]
        name = labels[done] if done < len(labels) else step_id
        if hosts:
            left.append((str(name), hosts))
    return left


def cut_short(s: IncidentState) -> str:
    """A scenario's drill whose console ended before its verdict (resumed, or closed
    since): words saying so and naming each fault left in place; '' for any other."""
    if s.scenario is None or s.drill_verdict is not None:
        return ""
    said = "this drill was cut short before its verdict: it is not judged"
    left = faults_left(s)
    if left:
        said += f"; its fault {'; '.join(left)} was NEVER UNDONE: undo it by hand"
    return said


DRILL_HANDLERS: dict[str, Callable[[IncidentState, Event], None]] = {
    Kind.DRILL_STARTED: _started,
    Kind.DRILL_FAULT: _fault,
    Kind.DRILL_FAULT_UNDONE: _undone,
    Kind.DRILL_JUDGED: _judged,
}
