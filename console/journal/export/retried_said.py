"""What the document's summary says of hosts that failed in a step and succeeded when it
was retried: the tally counts each host by how it ended, so a host that failed its first
attempt read as one more `succeeded`, its failure only in the Failures section."""

from __future__ import annotations

from collections.abc import Sequence

from console.journal.export.facts import FailureFacts
from console.journal.export.failure_facts import Attempts
from console.model.state import HostStatus, IncidentState
from console.model.waves import named_some


def retried_sentences(
    state: IncidentState, failures: Sequence[FailureFacts], attempts: Attempts
) -> list[str]:
    """`“Restore” failed at first on web-3 and succeeded when retried (attempt 2): see
    Failures.`, a sentence per step and way its hosts ended (`was aborted`: a person
    stopped it there, as the Failures section says), in the order that section lists them.
    The attempt is the first that succeeded after the failure: a host that failed, then
    succeeded at attempt 2, was undone and run again (attempt 3), read "succeeded when
    retried (attempt 3)", the run after the undo counted as the retry. One that first
    succeeded in a run after an undo says so: `when run again after its undo`."""
    by_step: dict[tuple[str, str, bool], list[tuple[str, int]]] = {}
    titles: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()  # a host that failed twice: once, its first
    for f in failures:
        run = state.step(f.step).hosts.get(f.host)
        if run is None or run.status is not HostStatus.SUCCEEDED or run.attempt <= f.attempt:
            continue
        if (f.step, f.host) in seen:
            continue
        seen.add((f.step, f.host))
        first = attempts.succeeded_after(f.step, f.host, f.attempt) or run.attempt
        undone = attempts.undone_after.get((f.step, f.host))
        again = undone is not None and f.attempt <= undone < first
        by_step.setdefault((f.step, f.status, again), []).append((f.host, first))
        titles[f.step] = f.step_title
    said = []
    for (step, status, again), hosts in by_step.items():
        which = ", ".join(str(a) for a in sorted({attempt for _, attempt in hosts}))
        how = status if status == HostStatus.FAILED.value else f"was {status}"
        when = "run again after its undo" if again else "retried"
        said.append(
            f"“{titles[step]}” {how} at first on {named_some([h for h, _ in hosts], 3)} and"
            f" succeeded when {when} (attempt {which}): see Failures."
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
