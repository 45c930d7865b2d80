"""The rollback document as JSON: the same facts as the Markdown, each host's outcome, and
every event, under a `schema_version` (its JSON Schema: export/schema.py)."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable

from console.journal.export.document import build_document, settled
from console.journal.export.facts import Export, HostSummary
from console.journal.export.resolution import STDERR_LINES
from console.journal.outcomes import host_summary
from console.model.events import SCHEMA_VERSION, Event
from console.model.payloads import CommandIntent, CommandOutput


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
    kept, total = _without_output(journal())
    head = build_export(kept, starred_only)
    timeline = head.document.timeline.model_copy(update={"events": total})
    document = head.document.model_copy(update={"timeline": timeline})
    head = head.model_copy(update={"events": [], "document": document})
    text = json.dumps(head.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False)
    out(text.removesuffix("[]\n}") + "[")
    first = True
    for event in journal():
        body = json.dumps(event.as_json(), indent=2, ensure_ascii=False)
        out(("\n    " if first else ",\n    ") + body.replace("\n", "\n    "))
        first = False
    out("]\n}\n" if first else "\n  ]\n}\n")


def _without_output(events: Iterable[Event]) -> tuple[list[Event], int]:
    """Every event but `command.output`, and of that only each (step, host, attempt)'s last
    stderr events: all the document reads of it (export/resolution.py); and how many
    events there were."""
    kept: list[tuple[int, Event]] = []  # with its place in the journal, to keep the order
    attempt: dict[tuple[str | None, str | None], int] = {}
    tails: dict[tuple[str | None, str | None, int], deque[tuple[int, Event]]] = {}
    total = 0
    for place, event in enumerate(events):
        total += 1
        key = (event.where.step, event.where.host)
        if isinstance(event.data, CommandIntent):
            attempt[key] = event.data.attempt or 1
        if not isinstance(event.data, CommandOutput):
            kept.append((place, event))
        elif event.data.stream == "stderr":
            tail = tails.setdefault((*key, attempt.get(key, 1)), deque(maxlen=STDERR_LINES))
            tail.append((place, event))
    stderr = (pair for tail in tails.values() for pair in tail)
    return [event for _, event in sorted([*kept, *stderr], key=lambda p: p[0])], total
