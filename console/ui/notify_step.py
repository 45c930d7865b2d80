"""A status update's step from the console: the message as it will be sent, to edit, where
it goes, and a configuration file changed since the incident opened or the console started
(ui/config_drift.py): Enter sends what is shown, the versions it was sent with noted on the
step."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.ui.stepping import Stepping


def ask_to_send(steps: Stepping, step_id: str, only_hosts: list[str] | None, who: str) -> None:
    """Show notify step `step_id`'s update; Enter sends it (as edited), Esc does not."""
    from console.engine.notify_again import confirm_targets  # with the first incident
    from console.ui.screens.notify_dialog import NotifyDialog

    conductor = steps.app.conductor
    assert conductor is not None
    step = conductor.step(step_id)
    update = conductor.notifier.compose(step)
    default = update.message
    targets = confirm_targets(conductor.notifier, step, update)

    def send(message: str | None) -> None:
        if message is not None:
            edited = message if message != default else None
            steps.drift.note(steps.app.conductor, step_id)
            steps.run_step(step_id, only_hosts, edited, f"{who} (message shown)")

    changed = steps.drift.notice(conductor, "sends what is shown")
    steps.app.push_screen(NotifyDialog(step.title, default, targets, step.every, changed), send)
