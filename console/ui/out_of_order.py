"""A step done ahead of the checklist's order asks first, naming the steps not done. Enter
on a step below the current one confirmed a manual one at once (walked at 80x24: step 4,
'Initiate rollback procedure', done with steps 1 to 3 pending), and ran a probe step (the
stability check began its soak, steps 1 to 5 pending) with no word of it. The order is the
procedure's (immediate actions, then the rollback's execution, then what follows it); the
step's record names the steps not done then (console/model/out_of_order.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from console.engine.errors import ProcedureError
from console.model.out_of_order import not_done_before
from console.model.procedure import StepKind

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.ui.console_app import AppPart

# What a yes does, by the step's kind: (the question's end, the yes button's words).
GOES_ON = {
    StepKind.MANUAL: ("Confirm “{}” done anyway, out of order?", "Confirm it done"),
    StepKind.PROBE: ("Check the probes for “{}” now anyway, out of order?", "Check now"),
    StepKind.NOTIFY: (
        "Go on to “{}” anyway, out of order? Its message is shown next, to edit.",
        "Go on",
    ),
    StepKind.COMMAND: (
        "Go on to “{}” anyway, out of order? What it sends is shown next.",
        "Go on",
    ),
}
GOES_ON[StepKind.STRATEGY] = GOES_ON[StepKind.COMMAND]
# A step with `confirm = false` (read-only) shows nothing next: it runs on the yes (the
# question said 'What it sends is shown next', walked at 80x24, and the yes ran it at once).
AT_ONCE = ("Run “{}” now anyway, out of order? It runs at once (confirm = false).", "Run it")


def ask_out_of_order(
    app: AppPart, conductor: Conductor, step_id: str, go: Callable[[bool], None]
) -> None:
    """`go(False)` at once when every step before `step_id` is done; else, once a dialog
    naming those not done is answered yes, `go(True)`: taken out of order, which its
    record says (`ahead_of`)."""
    from console.ui.screens.dialogs import ConfirmDialog

    order = conductor.order
    pending = not_done_before(order, conductor.state, step_id)
    if not pending:
        go(False)
        return
    step = conductor.step(step_id)
    numbers = [str(order.index(s) + 1) for s in pending]
    steps = f"step {numbers[0]} is" if len(numbers) == 1 else f"steps {', '.join(numbers)} are"
    names = "; ".join(
        f"{n}. {conductor.step(s).title}" for n, s in zip(numbers, pending, strict=True)
    )
    question, yes = (
        AT_ONCE
        if step.kind in (StepKind.COMMAND, StepKind.STRATEGY) and not step.asks
        else GOES_ON[step.kind]
    )
    asked = (
        f"“{step.title}” is step {order.index(step_id) + 1} of {len(order)}, and {steps} not"
        f" done yet ({names}). {question.format(step.title)}"
    )

    def answered(yes: bool | None) -> None:
        if yes:
            go(True)

    app.push_screen(ConfirmDialog("Out of order", asked, yes=yes, no="Back"), answered)


def confirm_manual(app: AppPart, conductor: Conductor, step_id: str) -> None:
    """Confirm the manual step `step_id` done (not again); out of order, once asked."""
    title = conductor.step(step_id).title
    if conductor.state.step(step_id).status.finished:
        app.notify(f"“{title}” is already done.")
        return

    def confirm(asked: bool) -> None:
        try:
            conductor.decisions.confirm(step_id, out_of_order=asked)
        except ProcedureError as exc:  # closed, or handed on, while it was asked
            app.notify(str(exc), title="Not done", severity="error")

    ask_out_of_order(app, conductor, step_id, confirm)
