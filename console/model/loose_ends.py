"""What the close leaves undone, said before it: the steps not done, and the channels
whose last status update was not delivered (seen at 80x24: the close offered "Nothing
more is needed" while the retry was not scheduled and Slack had got nothing)."""

from __future__ import annotations

from console.model.procedure import Procedure
from console.model.state import IncidentState
from console.model.status import StepStatus

SETTLED = {StepStatus.DONE, StepStatus.SKIPPED, StepStatus.REFUSED}


def loose_ends(procedure: Procedure, state: IncidentState) -> str:
    """`Not done: step 9 (pending). NOT DELIVERED: the last status update on incidents.`,
    or "" when every step is settled and every channel's last update arrived."""
    open_steps = [
        f"{number} ({status})"
        for number, step in enumerate(procedure.steps, 1)
        if (status := state.step(step.id).status) not in SETTLED
    ]
    said = []
    if open_steps:
        said.append(f"Not done: step{'s' if open_steps[1:] else ''} {', '.join(open_steps)}.")
    last: dict[str, bool] = {}  # each channel's last update with an answer: delivered?
    for sent in state.notifications:
        if "result" in sent:
            last[sent["channel"]] = bool(sent["result"].get("ok"))
    if failed := [channel for channel, ok in last.items() if not ok]:
        said.append(f"NOT DELIVERED: the last status update on {', '.join(failed)}.")
    return " ".join(said)
