"""An undo's confirmation: its commands per host, what it does, and, for a restore's undo,
what it sets aside on each host, asked of the hosts first (console/engine/undo_weighing.py:
read, nothing written there): the restored data directory goes aside whole with every write
made on it since the restore, not merged back, and the dialog says how much in its first
lines. The commander's yes is noted in the record with those words before the undo is
sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.engine.errors import ProcedureError
from console.engine.undo_weighing import noted, weigh_undo

if TYPE_CHECKING:
    from textual.notifications import Notification

    from console.engine.steps import PerHost
    from console.model.set_aside import Aside
    from console.ui.stepping import Stepping

SLOW_SECONDS = 0.5
ASKING = (
    "Asking the hosts what the undo sets aside (what was written since the restore), before"
    " the confirmation: nothing is changed there."
)


def confirm_undo(
    stepping: Stepping, step_id: str, only_hosts: list[str] | None, per_host: PerHost
) -> None:
    """Show the undo's confirmation; a restore's once its hosts have said what it sets
    aside (a toast says it asks, if they are slow to answer)."""
    conductor = stepping.app.conductor
    assert conductor is not None
    strategy = conductor.settings.strategy(
        conductor.step(step_id).strategy or conductor.state.strategy or ""
    )
    if strategy.undo_weigh() is None:
        _dialog(stepping, step_id, only_hosts, per_host, None)
        return
    ssh = conductor.settings.inventory.ssh
    longest = ssh.connect_timeout + ssh.login_timeout + (strategy.timeout or ssh.command_timeout)
    toast: list[Notification] = []
    slow = stepping.app.set_timer(
        SLOW_SECONDS, lambda: toast.append(stepping.app.lasting_toast(ASKING, "Undo", longest))
    )

    async def ask() -> None:
        try:
            asides = await weigh_undo(conductor, step_id, only_hosts)
        except ProcedureError as exc:
            stepping.app.notify(str(exc), title="Not undone", severity="warning")
            return
        finally:
            slow.stop()
            for note in toast:
                stepping.app.withdraw(note)
        _dialog(stepping, step_id, only_hosts, per_host, asides)

    stepping.app.run_worker(ask(), group="resolve", exclusive=True, exit_on_error=False)


def _dialog(
    stepping: Stepping,
    step_id: str,
    only_hosts: list[str] | None,
    per_host: PerHost,
    asides: dict[str, Aside] | None,
) -> None:
    from console.ui.screens.confirm_run import RunConfirm
    from console.ui.screens.run_summary import stage_templates

    conductor = stepping.app.conductor
    assert conductor is not None

    def answered(yes: bool | None) -> None:
        if yes:
            if asides:
                noted(conductor, step_id, asides, "the console's yes")
            stepping.run_undo(step_id, only_hosts)

    systems = conductor.settings.inventory.in_order(
        conductor.state.hosts.get(h, "?") for h in per_host
    )
    about = stepping.strategy_text(step_id, list(per_host), undo=True, asides=asides)
    verb, standing = "Run", ""
    if only_hosts is not None:
        verb, standing = "Retry", conductor.state.step(f"{step_id}.undo").standing(list(per_host))
    title, changed = f"Undo: {conductor.step(step_id).title}", stepping.drift.notice(conductor)
    templates = stage_templates(conductor, step_id, undo=True)
    dialog = RunConfirm(title, systems, per_host, about, verb, standing, changed, templates)
    stepping.app.push_screen(dialog, answered)
