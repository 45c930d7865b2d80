"""The execution screen's title of a step: the procedure's, an ad-hoc command's as typed,
or the title its start recorded (a drill's fault and its undo, an integrity check)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.model.payloads import StepStarted

if TYPE_CHECKING:
    from console.ui.screens.execution import ExecutionScreen


class StepTitles:
    """Each step's title, a recorded one read once per step and run (a step of its own,
    such as a drill's fault, runs once a fault with its own title)."""

    def __init__(self, screen: ExecutionScreen) -> None:
        self.screen = screen
        self._recorded: dict[tuple[str, int], str] = {}

    def of(self, step_id: str) -> str:
        incident, adhoc = self.screen.incident, self.screen.adhoc
        if step_id in incident.order:
            return incident.step(step_id).title
        if step_id in adhoc.commands:
            return adhoc.title(step_id, None)
        key = (step_id, len(incident.state.step(step_id).earlier_waves))
        recorded = self._recorded.get(key)
        if recorded is None:  # read once it is there: a start's title stays
            started = (  # a step of its own (ad-hoc, a drill's fault, its integrity check)
                e.data.title
                for e in reversed(incident.recorder.events.actions)
                if isinstance(e.data, StepStarted) and e.where.step == step_id
            )
            recorded = next(started, None)
            if recorded is not None:
                self._recorded[key] = recorded
        if step_id.startswith("adhoc-"):
            return adhoc.title(step_id, recorded)
        return str(recorded or step_id)
