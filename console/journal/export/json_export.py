"""The complete event stream plus the derived state, as one deterministic JSON document."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from console.model.events import SCHEMA_VERSION, Event
from console.model.state import IncidentState
from console.model.status import HostStatus

EXPORT_SCHEMA = "rollback-console/export"
EXPORT_VERSION = 1


def _plain(value: Any) -> Any:
    """Dataclasses, enums, datetimes and sets as JSON values, in a stable order."""
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def host_summary(state: IncidentState) -> dict[str, dict[str, Any]]:
    """Each selected host's latest outcome, and whether it is known."""
    out = {}
    for host, system in state.hosts.items():
        runs = state.host_runs(host)
        step, run = runs[-1] if runs else (None, None)
        status = run.status if run else HostStatus.PENDING
        out[host] = {
            "system": system,
            "status": status.value,
            "known": status not in (HostStatus.UNKNOWN, HostStatus.RUNNING),
            "step": step,
            "failure": run.failure.value if run and run.failure else None,
            "exit_status": run.exit_status if run else None,
            "detail": run.detail if run else None,
        }
    return out


def write_json(events: Iterable[Event], out: Callable[[str], object], settled: bool = True) -> None:
    """Write the document to `out` piece by piece, folding as the events go by: the same
    bytes as `json.dumps(document, indent=2, sort_keys=True)`, with one event in memory at
    a time (an incident with gigabytes of output exports in constant memory). Keys are
    sorted, so the events come before the state they fold into."""
    dump = functools.partial(json.dumps, indent=2, sort_keys=True, ensure_ascii=False)
    state = IncidentState()
    out('{\n  "event_schema_version": ' + dump(SCHEMA_VERSION) + ',\n  "events": [')
    first = True
    for event in events:
        state.apply(event)
        text = dump(json.loads(event.model_dump_json()))
        out(("\n    " if first else ",\n    ") + text.replace("\n", "\n    "))
        first = False
    out("]" if first else "\n  ]")
    if settled and state.outcome is None:
        state.settle()
    rest = {
        "hosts": host_summary(state),
        "incident": state.incident_id,
        "schema": EXPORT_SCHEMA,
        "state": _plain(state),
        "version": EXPORT_VERSION,
    }
    for key, value in rest.items():
        out(f",\n  {dump(key)}: " + dump(value).replace("\n", "\n  "))
    out("\n}\n")


def render_json(events: list[Event], settled: bool = True) -> str:
    chunks: list[str] = []
    write_json(events, chunks.append, settled)
    return "".join(chunks)
