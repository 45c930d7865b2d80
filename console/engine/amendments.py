"""What people add to an incident's record, also after it closed (then each is marked an
amendment): notes and annotations, stars, and the post-rollback form's fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from console.engine.errors import ProcedureError
from console.engine.steps import step_data
from console.journal.recorder import Recorder
from console.model.events import Kind
from console.model.procedure import FormField
from console.model.review import FieldError, FieldValue, check_field, filled_in
from console.model.settings import Settings
from console.model.state import IncidentState
from console.model.status import StepStatus


class Amendments:
    """Records notes, stars and fields for the Conductor; `settings` is the conductor's."""

    def __init__(self, settings: Settings, recorder: Recorder):
        self.settings = settings
        self.recorder = recorder

    @property
    def state(self) -> IncidentState:
        return self.recorder.state

    def amending(self) -> dict[str, Any]:
        """`amendment: true` on what is recorded after the close."""
        return {"amendment": True} if self.state.closed else {}

    def note(self, text: str, step_id: str | None = None, about: int | None = None) -> None:
        """A free-text note; `about` makes it an annotation of that event (its seq)."""
        if not text.strip():
            return
        if about is not None and not 0 <= about < len(self.recorder.events):
            raise ProcedureError(f"there is no event #{about} to annotate")
        extra: dict[str, Any] = {"about": about} if about is not None else {}
        self.recorder.record(
            Kind.NOTE_ADDED, step=step_id, text=text.strip(), **extra, **self.amending()
        )

    def star(self, seq: int, starred: bool = True) -> None:
        self.recorder.record(Kind.EVENT_STARRED, seq=seq, starred=starred, **self.amending())

    def set_field(self, field: FormField, value: FieldValue, step_id: str | None = None) -> None:
        """Journal a post-rollback field, checked as the form and `run --form` check it
        (a date-time normalised, action items as rows); after the close, an amendment."""
        try:
            checked = check_field(field, value)
        except FieldError as exc:
            raise ProcedureError(f"{field.label}: {exc}") from None
        self.recorder.record(
            Kind.FIELD_SET, step=step_id, field=field.value, value=checked, **self.amending()
        )

    def complete_form(self, step_id: str, values: Mapping[FormField, FieldValue]) -> list[str]:
        """Journal the form step's changed fields, then the step as done once every field
        it requires is filled (again when a field of it changed since: its count then
        stays true); the labels of those still empty, which leave it as it was."""
        step = self.settings.procedure.step(step_id)
        changed = [f for f in step.fields if f in values and not self._unchanged(f, values[f])]
        for field in changed:
            self.set_field(field, values[field], step_id)
        empty = [f.label for f in step.must_fill if not filled_in(self.state, f)]
        done = self.state.step(step_id).status is StepStatus.DONE
        if empty or (done and not changed):
            return empty
        filled = sum(1 for f in step.fields if filled_in(self.state, f))
        required = len(step.must_fill)
        said = "" if required == len(step.fields) else f", all {required} required"
        self.recorder.record(
            Kind.STEP_COMPLETED,
            step=step_id,
            status=StepStatus.DONE.value,
            summary=f"{filled} of {len(step.fields)} field(s) filled{said}",
            **step_data(self.settings, step),
            **self.amending(),
        )
        return []

    def _unchanged(self, field: FormField, value: FieldValue) -> bool:
        """Whether `value` is what the record holds already: saving it again would be
        noise (and, after the close, a false amendment)."""
        if isinstance(value, str):
            return value.strip() == self.state.fields.get(field.value, "")
        return field is FormField.ACTION_ITEMS and value == self.state.action_items
