"""Before a migration reversal's confirmation: what `target = previous` stands for on its
hosts, asked of them (console/engine/resolving.py: read, nothing written there), so that
the commander confirms the exact version the run acts on (or, for a value of each host's
own, what each host will restore). A host that cannot resolve it (the precheck would
refuse) or hosts that differ (one value for all; a value of each host's own holding
different content) stop it here, before any question, said and noted in the record. A
value named outright whose answers this incident recorded, fresh, is not asked again, as
headless `run` goes with them (console/engine/asked_fresh.py): the confirmation says them,
and when they were asked; asked again, it says why."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from console.engine.errors import ProcedureError
from console.engine.resolving import asking, on_record, preview_pinned, resolve, resolver_for

if TYPE_CHECKING:
    from textual.notifications import Notification

    from console.ui.stepping import Stepping


SLOW_SECONDS = 0.5


def resolve_first(stepping: Stepping, step_id: str, only_hosts: list[str] | None, who: str) -> bool:
    """Start asking the hosts, then confirm the run naming the value they gave: True when
    the step has a symbolic value to resolve (the confirmation follows, or a toast says
    why not); False when it has none (confirm it as it is)."""
    conductor = stepping.app.conductor
    assert conductor is not None
    try:
        found = resolver_for(conductor, step_id, named=True)
        fresh, asked_again = on_record(conductor, step_id, only_hosts)
        if found is not None and fresh is not None:  # named outright, answered, fresh
            stepping.confirm_run(step_id, only_hosts, who, conductor.preview(step_id), fresh)
            return True
    except ProcedureError:
        return False  # the preview says why
    if found is None:
        return False
    # Said only when the hosts are slow to answer (a toast each time covered the checklist
    # the commander reads), up while they are asked: how long a host that does not answer
    # can hold it up, and taken back at the answer (held by the confirmation, it came back
    # over the checklist once the dialog closed).
    words, longest = asking(conductor, step_id, only_hosts)
    toast: list[Notification] = []
    slow = stepping.app.set_timer(
        SLOW_SECONDS,
        lambda: toast.append(stepping.app.lasting_toast(words, "Resolving", longest)),
    )

    async def ask() -> None:
        try:
            try:
                resolved = await resolve(conductor, step_id, only_hosts)
            finally:
                slow.stop()
                for note in toast:
                    stepping.app.withdraw(note)
            if resolved is None:  # the choice changed meanwhile: confirm it as it is
                per_host = conductor.preview(step_id)
            elif problem := resolved.problem():
                # the way on, by its key: it said "choose the strategy again naming
                # target", and no key before the step had run did that
                again = stepping.app.key_label("checklist.strategy")
                said = f"{problem}. {again} on the checklist chooses a strategy again"
                stepping.app.notify(said, title="Not started", severity="error")
                # on record as headless `run` notes it: the toast goes, the record stays
                title = conductor.step(step_id).title
                conductor.note(f"“{title}” not started, nothing sent: {problem}", step_id)
                return
            elif resolved.given:  # checked there: confirmed as it is, their answers on record
                resolved = replace(resolved, again=asked_again)  # and why, if asked again
                per_host = conductor.preview(step_id)
            elif resolved.pinned:  # the commands the run sends once it is chosen
                per_host = preview_pinned(conductor, step_id, resolved.pinned)
            else:  # the run keeps the symbolic value: each host's own (git), or some refuse it
                per_host = conductor.preview(step_id)
        except ProcedureError as exc:
            stepping.app.notify(str(exc), title="Not started", severity="error")
            return
        stepping.confirm_run(step_id, only_hosts, who, per_host, resolved)

    stepping.app.run_worker(ask(), group="resolve", exclusive=True, exit_on_error=False)
    return True
