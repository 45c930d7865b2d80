"""Headless `undo`: before a restore's undo is sent, what it would set aside on each host,
asked of the hosts (console/engine/undo_weighing.py) and printed; where it would take
writes made since the restore out of the live database, --yes alone is not enough: the
commander names --discard-writes, as the console's dialog shows the same words before its
yes. Either way the record keeps what was said. A TERM or a hang-up while the hosts are
asked ends the question, nothing sent (it killed `undo` there: no line, no record)."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from console.cli.parser import UsageError

if TYPE_CHECKING:
    import argparse

    from console.engine.conductor import Conductor
    from console.model.step_state import StepState


async def weighed(
    conductor: Conductor, args: argparse.Namespace, hosts: list[str] | None
) -> int | None:
    """Print what the undo sets aside and note it; raises UsageError (exit 2, nothing sent)
    where writes would go aside and --discard-writes was not given. An exit status where
    a TERM (1) or a hang-up (129) ended the question: the undo is not started."""
    from console.engine.errors import ProcedureError
    from console.engine.undo_weighing import noted, refused_headless, weigh_undo
    from console.headless.commands_shown import comment
    from console.headless.common import EXIT_FAILED, EXIT_HUNG_UP, INTERRUPTED, signals_cancel
    from console.model.set_aside import FLAG, asides_said, discarding

    task = asyncio.current_task()
    assert task is not None
    with signals_cancel(task) as ended:  # the question sends nothing: nothing to finish
        try:
            asides = await weigh_undo(conductor, args.step, hosts)
        except ProcedureError:
            return None  # the undo refuses it itself, saying why
        except asyncio.CancelledError:
            if not ended or task.uncancel():
                raise  # cancelled from elsewhere too: not this signal's to end
    if ended:
        title = conductor.step(args.step).title
        said = f"{ended[0]} while its hosts were asked what it sets aside: nothing was sent"
        conductor.note(f"Undo of “{title}” not started ({said})", args.step)
        print(f"undo of “{title}” not started: {said}", file=sys.stderr, flush=True)
        return EXIT_FAILED if ended[0].startswith(INTERRUPTED) else EXIT_HUNG_UP
    if not asides:
        return None
    print(comment(f"sets aside: {asides_said(asides)}", "! ", "  "), flush=True)
    if (lost := discarding(asides)) and not args.discard_writes:
        title = conductor.step(args.step).title
        said = asides_said({h: asides[h] for h in lost}, len(asides))
        conductor.note(f"Undo of “{title}” not started ({FLAG} not given): {said}", args.step)
        raise UsageError(refused_headless(title, lost))
    noted(conductor, args.step, asides, FLAG if lost else "--yes")
    return None


def went_said(conductor: Conductor, undo: StepState) -> str:
    """`, the restored data directory set aside, not merged back: ...` for the undo's last
    line, where its latest run set one aside (its hosts' `restored to`); else ""."""
    from console.model.set_aside import went_aside, went_aside_said
    from console.model.visible import visible

    went = went_aside(conductor.state.integrity, undo.id, undo.restarted_seq)
    return f", {visible(went_aside_said(went), one_line=True)}" if went else ""
