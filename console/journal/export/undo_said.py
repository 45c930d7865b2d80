"""What the document's summary says of a host whose last step is an undo: its share of the
tally, and a sentence for those hosts. One whose undo succeeded is no longer where the
strategy put it; one whose undo failed, was left unknown or never began may still be, and
one whose undo set a restored data directory aside, with what went with it; one whose
undo failed is said with the host's own last words: where it left the data (the
presets say it), and how the step it undid had gone there (a failed restore whose undo
failed too read "1 undo failed", as if the restore had stood)."""

from __future__ import annotations

from typing import NamedTuple

from console.journal.export.facts import HostResult
from console.journal.export.timeline import hosts as hosts_text
from console.model.set_aside import went_aside, went_aside_said
from console.model.state import HostStatus, IncidentState

UNDO_SAID: dict[str, str] = {
    HostStatus.SUCCEEDED: "undone since",
    HostStatus.UNKNOWN: "undo unknown",
    HostStatus.RUNNING: "undo unknown",
    HostStatus.NOT_STARTED: "undo not sent",
    HostStatus.REFUSED: "undo refused",
}
UNDO_FAILED = "undo failed"
# A host whose step had failed before its undo failed too: neither rolled back nor back.
BOTH_FAILED = "failed, and its undo failed"
UNDO_SENTENCES = {
    "undone since": "The rollback was undone since on {hosts}.",
    UNDO_FAILED: "An undo failed on {hosts}",
    BOTH_FAILED: "The strategy failed, then its undo failed, on {hosts}",
    "undo unknown": "An undo was sent to {hosts} with no outcome on record: the rollback may"
    " still be in place there.",
    "undo not sent": "An undo was begun but nothing of it sent to {hosts}.",
    "undo refused": "An undo was refused on {hosts}: it found nothing of this incident's to"
    " undo there, and changed nothing.",
}


class UndoFailed(NamedTuple):
    """A host whose latest run is an undo that failed."""

    step_failed: bool  # the step it undid had not succeeded there
    said: str  # the undo's last telling line: where it left the host


class Undos(NamedTuple):
    """The hosts whose latest run is an undo: those where it failed, and those where it
    set a restored data directory aside (what had been written on it, and where)."""

    failed: dict[str, UndoFailed]
    aside: dict[str, str]


def undo_facts(state: IncidentState) -> Undos:
    """Each host whose latest run is a failed undo, with how the step it undid had gone
    there and the undo's own last line; each whose succeeded undo set data aside."""
    failures: dict[str, UndoFailed] = {}
    aside: dict[str, str] = {}
    for host in state.hosts:
        runs = state.result_runs(host)
        if not runs:
            continue
        step, run = runs[-1]
        if step.endswith(".undo") and run.status is HostStatus.SUCCEEDED:
            went = went_aside(state.integrity, step, state.step(step).restarted_seq)
            if host in went:
                aside[host] = went[host]
        if not step.endswith(".undo") or run.status is not HostStatus.FAILED:
            continue
        undid = state.step(step.removesuffix(".undo")).hosts.get(host)
        failed = undid is not None and undid.status is not HostStatus.SUCCEEDED
        failures[host] = UndoFailed(failed, run.said())
    return Undos(failures, aside)


def undone(host: HostResult, undos: Undos | None) -> str | None:
    """How the host's undo went, if its last step is an undo (`UNDO_SAID`); else None."""
    if not (host.last_step and host.last_step.endswith(".undo")):
        return None
    if host.status in UNDO_SAID:
        return UNDO_SAID[host.status]
    failed = undos.failed.get(host.host) if undos else None
    return BOTH_FAILED if failed and failed.step_failed else UNDO_FAILED


def undo_sentences(hosts: list[HostResult], undos: Undos | None) -> list[str]:
    """A sentence for each way the hosts' undos went; a failed undo's ends on each host's
    own last line (two at most); one that set a restored data directory aside says what
    went with it (the summary said `undone since` alone)."""
    said = []
    failures, aside = (undos.failed, undos.aside) if undos else ({}, {})
    for undo, sentence in UNDO_SENTENCES.items():
        these = [h.host for h in hosts if undone(h, undos) == undo]
        if not these:
            continue
        text = sentence.format(hosts=f"{hosts_text(len(these))} ({', '.join(these)})")
        if undo == "undone since" and (went := {h: aside[h] for h in these if h in aside}):
            text = f"{text.removesuffix('.')}, {went_aside_said(went)}."
        if undo in (UNDO_FAILED, BOTH_FAILED):
            words = [
                f"{h}: {failures[h].said}" for h in these[:2] if h in failures and failures[h].said
            ]
            more = f"; {len(these) - 2} more in Failures" if len(these) > 2 else ""
            text += (f": {'; '.join(words)}{more}" if words else "") + "."
        said.append(text)
    return said
