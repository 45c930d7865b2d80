"""What the close leaves undone, said before it: the steps not done, and the channels
whose last status update (or page) was not delivered (seen at 80x24: the close offered "Nothing
more is needed" while the retry was not scheduled and Slack had got nothing)."""

from __future__ import annotations

from console.model.drillfold import cut_short, faults_left
from console.model.procedure import Procedure
from console.model.state import IncidentState
from console.model.status import StepStatus

SETTLED = {StepStatus.DONE, StepStatus.SKIPPED, StepStatus.REFUSED}


def loose_ends(procedure: Procedure, state: IncidentState) -> str:
    """`Not done: steps 5 halted; 8–14 pending. NOT DELIVERED: the last status update on
    incidents.`,
    or "" when every step is settled and every channel's last update arrived."""
    by_status: dict[StepStatus, list[int]] = {}
    for number, step in enumerate(procedure.steps, 1):
        if (status := state.step(step.id).status) not in SETTLED:
            by_status.setdefault(status, []).append(number)
    said = []
    if by_status:
        several = sum(map(len, by_status.values())) > 1
        steps = "; ".join(f"{_ranges(numbers)} {status}" for status, numbers in by_status.items())
        said.append(f"Not done: step{'s' if several else ''} {steps}.")
    # Each channel's last message with an answer: "" delivered, else what it was (a
    # PagerDuty incident event is a page: it read "the last status update on oncall").
    last: dict[str, str] = {}
    for sent in state.notifications:
        if "result" in sent:
            what = "page" if sent.get("lifecycle") else "status update"
            last[sent["channel"]] = "" if sent["result"].get("ok") else what
    failed = [
        f"the last {what} on {', '.join(c for c, w in last.items() if w == what)}"
        for what in ("status update", "page")
        if what in last.values()
    ]
    if failed:
        said.append(f"NOT DELIVERED: {'; '.join(failed)}.")
    if cut_short(state) and (left := faults_left(state)):  # its console ended mid-drill
        said.append(f"NOT UNDONE: the drill's fault {'; '.join(left)}.")
    return " ".join(said)


def _ranges(numbers: list[int]) -> str:
    """`8–14`, `3, 5–6`: ascending step numbers, runs joined."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}–{r[-1]}" if r[1:] else str(r[0]) for r in runs)
