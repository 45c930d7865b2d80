"""A manual step confirmed ahead of the checklist's order asks first. Enter on a step below
the current one confirmed it at once, the steps before it still pending (walked at 80x24:
the cursor on step 4, 'Initiate rollback procedure', done with steps 1 to 3 pending). The
order is the procedure's (immediate actions, then the rollback's execution, then what
follows it); a yes is journalled with a note naming the steps not done then."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.engine.errors import ProcedureError

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.ui.console_app import AppPart


def confirm_manual(app: AppPart, conductor: Conductor, step_id: str) -> None:
    """Confirm the manual step `step_id` done (not again); out of order, once asked."""
    from console.ui.screens.dialogs import ConfirmDialog

    title = conductor.step(step_id).title
    if conductor.state.step(step_id).status.finished:
        app.notify(f"“{title}” is already done.")
        return
    order = conductor.order
    before = order[: order.index(step_id)] if step_id in order else []
    pending = [s for s in before if not conductor.state.step(s).status.finished]
    if not pending:
        conductor.confirm(step_id)
        return
    numbers = [str(order.index(s) + 1) for s in pending]
    steps = f"step {numbers[0]} is" if len(numbers) == 1 else f"steps {', '.join(numbers)} are"
    names = "; ".join(
        f"{n}. {conductor.step(s).title}" for n, s in zip(numbers, pending, strict=True)
    )
    question = (
        f"“{title}” is step {order.index(step_id) + 1} of {len(order)}, and {steps} not done"
        f" yet ({names}). Confirm “{title}” done anyway, out of order?"
    )

    def answered(yes: bool | None) -> None:
        if not yes:
            return
        try:
            conductor.confirm(step_id, note=f"confirmed out of order: {steps} not done yet")
        except ProcedureError as exc:  # closed, or handed on, while it was asked
            app.notify(str(exc), title="Not done", severity="error")

    dialog = ConfirmDialog("Out of order", question, yes="Confirm it done", no="Back")
    app.push_screen(dialog, answered)
