"""The complete event stream plus the derived state, as one deterministic JSON document."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from console.model.events import SCHEMA_VERSION, Event
from console.model.state import HostStatus, IncidentState, fold

EXPORT_SCHEMA = "rollback-console/export"
EXPORT_VERSION = 1


def _plain(value: Any) -> Any:
    """Dataclasses, enums, datetimes and sets as JSON values, in a stable order."""
    if is_dataclass(value):
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


def host_summary(state: IncidentState) -> dict[str, dict]:
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


def render_json(events: list[Event], settled: bool = True) -> str:
    state = fold(events)
    if settled and state.outcome is None:
        state.settle()
    document = {
        "schema": EXPORT_SCHEMA,
        "version": EXPORT_VERSION,
        "event_schema_version": SCHEMA_VERSION,
        "incident": state.incident_id,
        "hosts": host_summary(state),
        "state": _plain(state),
        "events": [json.loads(e.model_dump_json()) for e in events],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
