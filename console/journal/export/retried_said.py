"""What the document's summary says of hosts that failed in a step and succeeded when it
was retried: the tally counts each host by how it ended, so a host that failed its first
attempt read as one more `succeeded`, its failure only in the Failures section."""

from __future__ import annotations

from collections.abc import Sequence

from console.journal.export.facts import FailureFacts
from console.model.state import HostStatus, IncidentState
from console.model.waves import named_some


def retried_sentences(state: IncidentState, failures: Sequence[FailureFacts]) -> list[str]:
    """`“Restore” failed at first on web-3 and succeeded when retried (attempt 2): see
    Failures.`, a sentence per step and way its hosts ended (`was aborted`: a person
    stopped it there, as the Failures section says), in the order that section lists them."""
    by_step: dict[tuple[str, str], list[tuple[str, int]]] = {}
    titles: dict[str, str] = {}
    for f in failures:
        run = state.step(f.step).hosts.get(f.host)
        if run is not None and run.status is HostStatus.SUCCEEDED and run.attempt > f.attempt:
            hosts = by_step.setdefault((f.step, f.status), [])
            if (f.host, run.attempt) not in hosts:  # a host that failed twice: once
                hosts.append((f.host, run.attempt))
            titles[f.step] = f.step_title
    said = []
    for (step, status), hosts in by_step.items():
        attempts = sorted({attempt for _, attempt in hosts})
        which = ", ".join(str(a) for a in attempts)
        how = status if status == HostStatus.FAILED.value else f"was {status}"
        said.append(
            f"“{titles[step]}” {how} at first on {named_some([h for h, _ in hosts], 3)} and"
            f" succeeded when retried (attempt {which}): see Failures."
        )
    return said


def rerun_sentences(state: IncidentState, titles: dict[str, str]) -> list[str]:
    """`“Restore” was undone on web-1, web-2 and run again there after its undo: see
    Resolution steps.`, for each step run again on hosts its undo had put back. Seen: a
    rollback undone on 6 hosts and run again read as one run ("ran on 6 hosts (6
    succeeded)"), the undo in no sentence of the summary."""
    said = []
    for step_id, st in state.steps.items():
        undo = state.steps.get(f"{step_id}.undo")
        again = [
            host
            for host, back in (undo.hosts.items() if undo else ())
            if back.status is HostStatus.SUCCEEDED
            and (ran := st.hosts.get(host)) is not None
            and ran.seq > back.seq
        ]
        if again:
            title = titles.get(step_id, step_id)
            said.append(
                f"“{title}” was undone on {named_some(again, 3)} and run again there after"
                " its undo: see Resolution steps."
            )
    return said
