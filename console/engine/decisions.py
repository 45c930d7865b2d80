"""What a person decides on the checklist, recorded as it is decided: a manual step
confirmed done, a step skipped (with its reason), command handed over to someone else."""

from __future__ import annotations

from console.engine.closing import open_only
from console.engine.errors import ProcedureError
from console.engine.steps import Activity, step_data
from console.journal.recorder import Recorder
from console.model.events import Kind
from console.model.out_of_order import ahead_of
from console.model.procedure import StepKind
from console.model.settings import Settings
from console.model.state import IncidentState


class Decisions:
    """Records the commander's decisions for the Conductor; `settings` is the conductor's."""

    def __init__(self, settings: Settings, recorder: Recorder, activity: Activity):
        self.settings = settings
        self.recorder = recorder
        self.activity = activity

    @property
    def state(self) -> IncidentState:
        return self.recorder.state

    def confirm(
        self, step_id: str, note: str = "", by: str = "", out_of_order: bool = False
    ) -> None:
        """A person confirms a manual step is done; `by` says who (default: the
        commander), e.g. `--yes (headless)`. `out_of_order`: they were asked, and took it
        ahead of the checklist's order (recorded with the steps before it not done)."""
        open_only(self.state, "confirm a step")
        step = self.settings.procedure.step(step_id)
        if step.kind is not StepKind.MANUAL:
            raise ProcedureError(f"step {step.title!r} is not a manual step")
        by = by or self.state.commander or self.recorder.actor.login
        data = step_data(self.settings, step)
        if out_of_order:
            data |= ahead_of(self.settings, self.state, step_id)
        self.recorder.record(Kind.STEP_CONFIRMED, step=step_id, note=note, by=by, **data)

    def hand_over(self, to: str, note: str = "", reason: str = "") -> None:
        """Someone else takes command: an event of its own; later events carry them.
        `reason`: why, as the one who asked for it said (status updates and the list
        name it)."""
        open_only(self.state, "hand over command")
        to = to.strip()
        if not to:
            raise ProcedureError("say whom command is handed over to")
        if to == self.state.commander:
            raise ProcedureError(f"{to} is already the commander")
        self.recorder.record(
            Kind.COMMANDER_HANDED_OVER,
            to=to,
            previous=self.state.commander or "",
            note=note.strip(),
            **({"reason": reason.strip()} if reason.strip() else {}),
        )

    def skip(self, step_id: str, reason: str) -> None:
        open_only(self.state, "skip a step")
        if not reason.strip():
            raise ProcedureError("skipping a step needs a reason")
        if step_id in self.activity.ids:
            raise ProcedureError("the step is running; abort it first")
        step = self.settings.procedure.step(step_id)
        self.recorder.record(
            Kind.STEP_SKIPPED, step=step_id, reason=reason.strip(), **step_data(self.settings, step)
        )
