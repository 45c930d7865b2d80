"""The rollback document as JSON: the same facts as the Markdown, each host's outcome, and
every event, under a `schema_version` (its JSON Schema: export/schema.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from console.journal.export.document import build_document, settled
from console.journal.export.facts import LEFT_OUT, Export, HostSummary
from console.journal.outcomes import host_summary
from console.journal.tails import AttemptTails
from console.journal.worded import exported, plain_config
from console.model.events import SCHEMA_VERSION, Event, Kind
from console.model.payloads import CommandIntent, CommandOutput, CommandResult


def build_export(events: list[Event], starred_only: bool = False) -> Export:
    state = settled(events)
    return Export(
        event_schema_version=SCHEMA_VERSION,
        incident=state.incident_id,
        document=build_document(events, starred_only),
        hosts={h: HostSummary(**v) for h, v in host_summary(state).items()},
        events=events,
    )


def render_json(events: list[Event], starred_only: bool = False) -> str:
    parts: list[str] = []
    write_json(lambda: events, parts.append, starred_only)
    return "".join(parts)


def write_json(
    journal: Callable[[], Iterable[Event]], out: Callable[[str], object], starred_only: bool = False
) -> None:
    """The document, for an incident whose output runs to gigabytes too:
    `journal()` is read twice, never held. The first pass keeps every event but the
    output, of which only what the document shows (each attempt's last stderr lines);
    the facts are built from that; the second pass writes the events one at a time."""
    kept, total = _without_output(exported(e) for e in journal())
    head = build_export(kept, starred_only)
    timeline = head.document.timeline.model_copy(update={"events": total})
    document = head.document.model_copy(update={"timeline": timeline})
    head = head.model_copy(update={"events": [], "document": document})
    text = json.dumps(head.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False)
    out(text.removesuffix("[]\n}") + "[")
    first = True
    for event in journal():
        body = json.dumps(_exported(event), indent=2, ensure_ascii=False)
        out(("\n    " if first else ",\n    ") + body.replace("\n", "\n    "))
        first = False
    out("]\n}\n" if first else "\n  ]\n}\n")


def _exported(event: Event) -> dict[str, Any]:
    """The event's JSON as a document holds it (worded.exported), but an opening's plain
    sha256s of its configuration (recorded before MASKED_CONFIG): against one, a guess of
    a secret the file holds could be tested by anyone given the document (a correction:
    every journal's export leaves them out); nor its secrets' HMACs (config_secrets.py),
    which only the incident's own directory may read."""
    written = exported(event).as_json()
    if event.kind == Kind.INCIDENT_OPENED and plain_config(event):
        written["data"].pop("config", None)
    for key in LEFT_OUT.get(event.kind, ()):
        written["data"].pop(key, None)
    return written


def _without_output(events: Iterable[Event]) -> tuple[list[Event], int]:
    """Every event but `command.output`, and of that only each (step, host, attempt)'s last
    stderr and stdout events: all the document reads of it (console/journal/tails.py);
    and how many events there were."""
    kept: list[tuple[int, Event]] = []  # with its place in the journal, to keep the order
    tails: AttemptTails[tuple[int, Event]] = AttemptTails()
    total = 0
    for place, event in enumerate(events):
        total += 1
        where = (event.where.step, event.where.host)
        if isinstance(event.data, CommandIntent):
            tails.intent(where, event.data.attempt)
        elif isinstance(event.data, CommandResult):
            tails.result(where, bool(event.data.failure or event.data.aborted))
        if isinstance(event.data, CommandOutput):
            tails.output(where, event.data.stream, (place, event))
        else:
            kept.append((place, event))
    return [event for _, event in sorted([*kept, *tails.items()], key=lambda p: p[0])], total
