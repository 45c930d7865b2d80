"""What a strategy step's undo would set aside on each host it goes to, asked before its
yes (the console's confirmation, headless `undo`): a restore's undo keeps the restored data
directory aside whole, with every write made on it since the restore, and does not merge
them back. The question is its preset's (`Preset.undo_weigh`); it reads the host and
writes nothing there. Like a resolve, it is read, not journalled: what the commander
confirmed knowing goes into the record with the undo (`noted`)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from console.engine.failures import HostFailure, said_once, ssh_errors, ssh_timeout
from console.engine.plan import host_command, plan_undo, strategy_params
from console.model.set_aside import FLAG, Aside, aside_in, asides_said
from console.model.stderr_lines import telling
from console.model.visible import visible

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.engine.ssh import SshPool
    from console.engine.targets import Target


async def weigh_undo(
    conductor: Conductor, step_id: str, only_hosts: list[str] | None = None
) -> dict[str, Aside] | None:
    """Each host's answer, in the undo's order; None where the undo has no question (not
    a restore's, or its undo configured in place of the preset's). Raises ProcedureError
    where the undo itself would be refused (the plan says why)."""
    step, state, settings = conductor.step(step_id), conductor.state, conductor.settings
    planned = plan_undo(settings, state, step, only_hosts, conductor.secrets)
    strategy = planned.strategy
    template = strategy.undo_weigh() if strategy is not None else None
    if strategy is None or template is None:
        return None
    params = strategy_params(state, strategy.name, strategy, conductor.secrets)
    timeout = strategy.timeout or settings.inventory.ssh.command_timeout
    redact = conductor.secrets.redact
    asks = [(t, host_command(state, template, t, params, redact).sent) for t in planned.targets]
    answers = await asyncio.gather(*(_ask(conductor.pool, t, sent, timeout) for t, sent in asks))
    return dict(zip((t.name for t in planned.targets), answers, strict=True))


async def _ask(pool: SshPool, target: Target, command: str, timeout: float) -> Aside:
    try:
        result = await pool.run(target, command, timeout)
    except HostFailure as failure:
        return Aside(said_once(failure.failure, failure.detail), unasked=True)
    except ssh_timeout():
        return Aside(f"no answer within {timeout:g} s", unasked=True)
    except ssh_errors() as exc:
        return Aside(f"connection lost: {exc}", unasked=True)
    found = aside_in(str(result.stdout or ""))
    if found is not None and result.exit_status == 0:
        return found
    err = str(result.stderr or "").strip().splitlines()
    said = telling(err) or f"exit {result.exit_status}, no `sets aside` line"
    return Aside(visible(said.strip(), one_line=True), unasked=True)


def noted(conductor: Conductor, step_id: str, asides: dict[str, Aside], how: str) -> None:
    """The record of what the commander confirmed knowing (`how`: the console's yes, or
    headless --discard-writes), before the undo is sent: the document keeps it."""
    title = conductor.step(step_id).title
    conductor.note(f"Undo of “{title}” confirmed ({how}): {asides_said(asides)}", step_id)


def refused_headless(step_title: str, hosts: list[str]) -> str:
    """Headless `undo --yes` without FLAG where writes would be set aside: why, and how."""
    return (
        f"undo of “{step_title}” not started, nothing sent: on {', '.join(hosts)} it would"
        " take what was written since the restore out of the live database (kept aside,"
        f" not merged back: `! sets aside` above); to undo anyway, add {FLAG}"
    )
