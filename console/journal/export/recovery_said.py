"""The summary's sentence on recovery: the time each system's verdict judges, counted from
where that verdict counts (a drill's injected fault, the trigger's firing, or the
declaration: the first of them), never a time counted from elsewhere beside it. A drill's
read 'verified stable 21 s after the first bad sample (target exceeded)': 21 s from the
probes' first bad sample, the verdict of 34 s from the injected fault."""

from __future__ import annotations

from console.journal.export.facts import Milestones, Recovery
from console.journal.times import duration


def recovery_sentence(m: Milestones) -> str | None:
    """'Service was verified stable 34 s after the injected fault (target exceeded).';
    systems that differ said each; None when no recovery time was measured."""
    if not m.recovery:
        return None
    said: dict[tuple[float, str, str], list[str]] = {}
    for r in m.recovery:
        said.setdefault((r.seconds, _since(m, r), r.verdict), []).append(r.system)
    if len(said) == 1:
        ((seconds, since, verdict),) = said
        return f"Service was verified stable {duration(seconds)} after {since} ({verdict})."
    each = "; ".join(
        f"{', '.join(systems)} {duration(seconds)} after {since} ({verdict})"
        for (seconds, since, verdict), systems in said.items()
    )
    return f"Service was verified stable: {each}."


def _since(m: Milestones, r: Recovery) -> str:
    """Where `r`'s clock starts, in words (console/model/watchfold.first_trigger)."""
    at = {x.name: x.at for x in m.milestones}
    if at.get("fault_injected") == r.started:
        return "the injected fault"
    if at.get("trigger_declared") == r.started:
        return "the declaration"
    return "the trigger fired"
