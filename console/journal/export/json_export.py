"""The rollback document as JSON: the same facts as the Markdown, each host's outcome, and
every event, under a `schema_version` (docs/export.schema.json is its JSON Schema)."""

from __future__ import annotations

import json

from console.journal.export.document import build_document, settled
from console.journal.export.facts import Export
from console.model.events import SCHEMA_VERSION, Event
from console.model.state import HostStatus, IncidentState


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


def build_export(events: list[Event], starred_only: bool = False) -> Export:
    state = settled(events)
    return Export(
        event_schema_version=SCHEMA_VERSION,
        incident=state.incident_id,
        document=build_document(events, starred_only),
        hosts=host_summary(state),
        events=events,
    )


def render_json(events: list[Event], starred_only: bool = False) -> str:
    document = build_export(events, starred_only).model_dump(mode="json", by_alias=True)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def export_schema() -> dict:
    """The JSON Schema of `export --format json`, as published in docs/export.schema.json."""
    schema = Export.model_json_schema(by_alias=True, mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rollback-console export --format json",
        **schema,
    }
