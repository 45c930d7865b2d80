"""A checklist row: the step's status mark (how its undo went, a status update that did not
reach every channel, a stability check to read again), its number, title and notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from console.model.procedure import Step
from console.model.state import HostStatus, StepState, StepStatus
from console.model.step_state import NEEDED_NOTHING
from console.model.undo_went import UNKNOWN, undo_went
from console.model.visible import visible
from console.ui.palette import themed
from console.ui.widgets.run_summary import ran_since_checked
from console.ui.widgets.sending import repeated_update
from console.ui.widgets.status import status_text

if TYPE_CHECKING:
    from console.ui.incident_view import IncidentView


def step_row(number: int, step: Step, st: StepState, mark: Text, current: bool) -> Text:
    """A step's row: `> ` on the current one, its status `mark`, number and title, what
    it needed nothing on, and its notes."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append("> " if current else "  ", style=themed("bold $accent"))
    line.append_text(mark)
    line.append(f" {number:>2}. ")
    line.append(visible(step.title, one_line=True), style="bold" if current else "")
    if needed := st.needed_nothing():  # done: the others needed nothing, said apart
        line.append(f"  ⊘ {len(needed)} {NEEDED_NOTHING}", style=themed("bold $primary"))
    if st.notes:
        line.append(f"  ✎{len(st.notes)}", style=themed("$secondary"))
    return line


def status_mark(
    incident: IncidentView, status: StepStatus | HostStatus, st: StepState, width: int = 0
) -> Text:
    """The step's status; a status update that did not reach every channel (its latest)
    is `⚠ done`, never a plain tick (`status`: as the screen shows it)."""
    undo = incident.state.undone(st.id)
    if status is StepStatus.DONE and undo is not None and undo.status is StepStatus.REFUSED:
        # its undo found a change since somewhere, and changed nothing there
        return Text("⊘ undo".ljust(width), style=themed("bold $warning"))
    if status is StepStatus.DONE and undo is not None and undo.status.between_waves:
        # its undo stopped between its waves: some hosts undone, none failed
        return Text("◌ undo".ljust(width), style=themed("bold $warning"))
    cut = incident.state.steps.get(f"{st.id}.undo")
    lost = cut is not None and (cut.unknown() if undo is None else undo_went(undo) == UNKNOWN)
    if status is StepStatus.DONE and lost:  # undo cut short, or a host lost mid-undo
        return Text("? undo".ljust(width), style=themed("bold $warning"))
    if status is StepStatus.DONE and undo is not None and not undo.status.finished:
        # its undo failed somewhere: the rollback may well be in place there still
        return Text("✘ undo".ljust(width), style=themed("bold $error"))
    if status is StepStatus.DONE and undo is not None:  # the hosts are back as before it
        return Text("↶ undone".ljust(width), style=themed("bold $warning"))
    # a periodic update's answers once it is not the first: the step's are the first's
    repeated = repeated_update(incident, st.id)
    if status is StepStatus.DONE and (repeated[1] if repeated else st.warnings):
        return Text("⚠ done".ljust(width), style=themed("bold $warning"))
    if status is StepStatus.DONE and ran_since_checked(incident, st.id):
        # a stability check that read the hosts before a strategy step ahead of it ran
        return Text("↻ recheck".ljust(width), style=themed("bold $warning"))
    return status_text(status, width)
