"""The procedure's steps as `incident.opened` journals them, and back: what a follower,
who has only the journal, knows of each step."""

from __future__ import annotations

from console.model.payloads.incident import PlannedStep
from console.model.procedure import FormField, Phase, Step, StepKind


def planned(step: Step, phase: Phase) -> PlannedStep:
    """`step` of `phase` as the journal keeps it: a strategy step's own strategy, a form
    step's fields and those it is done once filled (when not all of them)."""
    said = PlannedStep(id=step.id, title=step.title, kind=step.kind.value, phase=phase.value)
    if step.strategy:
        said["strategy"] = step.strategy
    if step.fields:
        said["fields"] = [f.value for f in step.fields]
    if step.required_fields is not None:
        said["required_fields"] = [f.value for f in step.required_fields]
    return said


def step_from_plan(said: PlannedStep) -> Step:
    """The step a journal names, with what it says of it (unchecked: it was when written)."""
    fields = [FormField(f) for f in said.get("fields", [])]
    required = said.get("required_fields")
    return Step(
        id=said["id"],
        title=said["title"],
        kind=StepKind(said["kind"]),
        fields=fields,
        required_fields=None if required is None else [FormField(f) for f in required],
    )
