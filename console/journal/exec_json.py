"""`exec --json` written as it is made: each host's output read back from output.jsonl a
line at a time, never held whole (the document of 20 MB of output took 160 MB, its lines
held as lists and then as one string of the whole document)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from console.journal.event_log import EventLog
from console.journal.results import envelope
from console.model.events import Kind
from console.model.payloads import CommandOutput
from console.model.state import IncidentState

STREAMS = ("stdout", "stderr")
LINE_INDENT = " " * 8  # json.dumps(indent=2): document, hosts, host, then its lines


def write_exec_result(
    out: TextIO, state: IncidentState, events: EventLog, step: str, exit_status: int, journal: Path
) -> None:
    """Each host's outcome and its output, as journalled (secrets masked): the bytes
    `json.dumps(document, indent=2)` would give, each host's lines written as they are
    read. The document is made with a mark in place of each list of lines, then written
    piece by piece, each list where its mark was."""
    runs = state.step(step).hosts
    systems = {host: system for _, system, host, at in events.places if at == step and host}
    mark = uuid.uuid4().hex
    lists: list[tuple[str, str]] = []
    hosts = {}
    for host, run in runs.items():
        hosts[host] = {
            "system": systems.get(host),
            "status": run.status.value,
            "exit_status": run.exit_status,
            "failure": run.failure.value if run.failure else None,
            "detail": run.detail,
        }
        for stream in STREAMS:
            hosts[host][stream] = f"{mark}-{len(lists)}"
            lists.append((host, stream))
    ok = exit_status == 0
    # Ctrl+C, TERM, a closed terminal: as its last line says it (`exec: ABORTED: ...`)
    aborted = [a for a in state.aborts if step in (a.get("running") or ())]
    verdict = "failed" if not aborted else f"aborted: {aborted[-1].get('reason') or 'aborted'}"
    document = {
        **envelope("exec", ok, exit_status, journal),
        "incident": state.incident_id,
        "step": step,
        "verdict": "succeeded on every host" if ok else verdict,
        "hosts": hosts,
    }
    outputs = _outputs(events, step)
    first, *pieces = json.dumps(document, indent=2).split(f'"{mark}-')
    out.write(first)
    for piece in pieces:
        number, rest = piece.split('"', 1)
        host, stream = lists[int(number)]
        _write_lines(out, _lines(events, outputs.get(host, []), stream))
        out.write(rest)
    out.write("\n")
    out.flush()


def _outputs(events: EventLog, step: str) -> dict[str, list[int]]:
    """Each host's output events in the step, by index, the log scanned once (once per
    host and stream, 1,000 hosts took 8 s: each scan as long as the log)."""
    found: dict[str, list[int]] = {}
    for index in events.indices(lambda p: p[0] == Kind.COMMAND_OUTPUT and p[3] == step):
        found.setdefault(events.place(index)[2] or "", []).append(index)
    return found


def _lines(events: EventLog, indices: list[int], stream: str) -> Iterator[str]:
    """The lines on `stream` of those output events, read back one event at a time."""
    for index in indices:
        output = events[index].data
        if isinstance(output, CommandOutput) and output.stream == stream:
            yield from output.lines


def _write_lines(out: TextIO, lines: Iterator[str]) -> None:
    """A JSON list of strings as json.dumps(indent=2) writes it at a host's key."""
    opened = False
    for line in lines:
        out.write((",\n" if opened else "[\n") + LINE_INDENT + json.dumps(line))
        opened = True
    out.write("\n      ]" if opened else "[]")
