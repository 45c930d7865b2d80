"""A status update's `{{summary}}`: the incident in one line for people."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from console.model.state import IncidentState
from console.model.status import HostStatus
from console.model.step_state import NEEDED_NOTHING, HostRun

if TYPE_CHECKING:
    from console.model.strategies import Strategy

REASON_WIDTH = 60  # the record and the document keep the reason whole
HALT_WIDTH = 100  # a halt's reason: the wave, and the probe or threshold that stopped it


def status_line(state: IncidentState, strategy: Strategy | None = None) -> str:
    """One line for people: the trigger and its reason, the systems and strategy (with the
    version it goes back to, when `strategy`, the chosen one, says which: see went_to),
    how each host stands, and whether the systems held once the stability check began."""
    counts: dict[str, int] = {}
    for host in state.hosts:
        runs = _rollback_runs(state, host)
        step, run = runs[-1] if runs else ("", None)
        status = run.status.value if run else "pending"
        held = state.step(step).held if run and run.status is HostStatus.HELD else None
        status = f"held at {held.percent} %" if held else status
        if run and run.status is HostStatus.REFUSED:  # nothing to do there: nothing changed
            status = "refused at the precheck"
        if state.needed_nothing(host):  # ... the step done on the others
            status = NEEDED_NOTHING
        counts[status] = counts.get(status, 0) + 1
    hosts = _hosts_said(counts)
    trigger = state.trigger
    # The reason as far as a line allows: the record and the document keep it whole.
    # (a probe's reason begins with the trigger's label already: said once)
    reason = trigger.reason.removeprefix(f"{trigger.label}: ") if trigger else ""
    reason = textwrap.shorten(reason, REASON_WIDTH, placeholder=" …")
    said = f"{trigger.label}: {reason}" if trigger and reason else None
    said = said or (trigger.label if trigger else "no trigger")
    by = f" by {state.strategy}{went_to(state, strategy)}" if state.strategy else ""
    systems = ", ".join(state.systems) + by
    own = [n for s, n in state.named_strategies.items() if state.step(s).restarted]
    if own:  # steps of the procedure that ran a strategy named for them (a flag off, on)
        systems += f" (steps of their own: {', '.join(dict.fromkeys(own))})"
    halted = [st.halted for st in state.steps.values() if st.halted]
    if halted:  # why the later hosts were not started: a probe, the threshold, a no
        hosts += f" (halted: {textwrap.shorten(halted[-1], HALT_WIDTH, placeholder=' …')})"
    stability = _stability(state)
    # {{incident}} says which one
    return f"{said}; {systems}: {hosts}" + (f"; {stability}" if stability else "")


def _rollback_runs(state: IncidentState, host: str) -> list[tuple[str, HostRun]]:
    """The host's runs from its first in a strategy step: before it, a command step's
    success (the delivery halted, the state read) said `web by flags-off: 4 hosts
    succeeded` of hosts nothing had rolled back yet (walked: a status update sent before
    the strategy step ran). The host is pending until its strategy step runs there."""
    runs = state.result_runs(host)
    if not state.strategy_steps:  # no strategy step (an `exec` incident): as they ran
        return runs
    first = next((i for i, (step, _) in enumerate(runs) if step in state.strategy_steps), None)
    return runs[first:] if first is not None else []


def went_to(state: IncidentState, strategy: Strategy | None) -> str:
    """` to 2.9.1`: the value the chosen `strategy`'s symbolic parameter (`target =
    previous`) stands for, once the commander confirmed it (the strategy chosen again
    with it) or named it; ` to the time 2025-05-16T10:29:30Z`: a recovery's target. Nothing while it is still the symbolic one (never confirmed, or
    kept: some hosts had nothing to do), nor where each host has its own (git's
    revision), nor for a strategy with nothing to resolve."""
    chosen = strategy if strategy and strategy.name == state.strategy else None
    if chosen and (to := chosen.recovers_to(chosen.values_in(state.strategy, state.params))):
        return f" to {to}"  # a recovery's target, as chosen: `to the time ...`
    resolver = chosen.resolver() if chosen else None
    if resolver is None or resolver.per_host:
        return ""
    value = state.params.get(resolver.param, "")
    return f" to {value}" if value and value != resolver.symbolic else ""


def _hosts_said(counts: dict[str, int]) -> str:
    """`1 host succeeded`, `3 hosts held at 5 %`, `2 hosts: 1 failed, 1 succeeded`."""
    total = sum(counts.values())
    hosts = f"{total} host{'s' if total != 1 else ''}"
    if len(counts) == 1:
        return f"{hosts} {next(iter(counts))}"
    return f"{hosts}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))


def _stability(state: IncidentState) -> str:
    """The latest stability check in words, once one has begun."""
    if not state.soak:
        return ""
    soak = list(state.soak.values())[-1]
    rounds = f"{soak.get('healthy', 0)}/{soak.get('needed', 0)} healthy rounds"
    if soak.get("status") == "passed":
        return f"stable ({rounds})"
    if soak.get("status") == "failed" and aborted_soak(soak.get("detail") or ""):
        return f"stability check {soak['detail']} ({rounds})"
    if soak.get("status") == "failed":
        return f"NOT stable ({soak.get('detail') or rounds})"
    if soak.get("status") == "stopped":
        return f"stability check cut short ({rounds}): stability NOT verified"
    return f"stability check running ({rounds})"


def aborted_soak(detail: str) -> bool:
    """A stability check that a person (or a signal) stopped: it judged nothing, so it
    never reads "not stable"."""
    return detail.startswith("aborted: ")
