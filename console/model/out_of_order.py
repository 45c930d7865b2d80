"""A step taken ahead of the checklist's order: the steps before it not done then, which the
console's question ('Out of order') names and the record keeps (`ahead_of` on the step's
`step.started` or `step.confirmed`). Walked at 80x24 on a real sshd fleet: the restore and the
stability check taken with steps 1, 2 and 4 not done left no word of it anywhere in the
rollback document, a manual step's yes only a note the document never showed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.model.payloads.steps import Passed
    from console.model.settings import Settings
    from console.model.state import IncidentState


def not_done_before(order: list[str], state: IncidentState, step_id: str) -> list[str]:
    """The steps before `step_id` in the checklist's order not done yet (nor skipped)."""
    before = order[: order.index(step_id)] if step_id in order else []
    return [s for s in before if not state.step(s).status.finished]


def ahead_of(settings: Settings, state: IncidentState, step_id: str) -> dict[str, Any]:
    """`{"ahead_of": [...]}` for the record of `step_id` taken now, when steps before it are
    not done (each its id, number and title); else nothing. Not a checklist step (an undo,
    an ad-hoc command): nothing."""
    order = [s.id for s in settings.procedure.steps]
    passed: list[Passed] = [
        {"step": s, "number": order.index(s) + 1, "title": settings.procedure.step(s).title}
        for s in not_done_before(order, state, step_id)
    ]
    return {"ahead_of": passed} if passed else {}
