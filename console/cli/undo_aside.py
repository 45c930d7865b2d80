"""Headless `undo`: before a restore's undo is sent, what it would set aside on each host,
asked of the hosts (console/engine/undo_weighing.py) and printed; where it would take
writes made since the restore out of the live database, --yes alone is not enough: the
commander names --discard-writes, as the console's dialog shows the same words before its
yes. Either way the record keeps what was said."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.cli.parser import UsageError

if TYPE_CHECKING:
    import argparse

    from console.engine.conductor import Conductor
    from console.model.step_state import StepState


async def weighed(conductor: Conductor, args: argparse.Namespace, hosts: list[str] | None) -> None:
    """Print what the undo sets aside and note it; raises UsageError (exit 2, nothing sent)
    where writes would go aside and --discard-writes was not given."""
    from console.engine.errors import ProcedureError
    from console.engine.undo_weighing import noted, refused_headless, weigh_undo
    from console.model.set_aside import FLAG, asides_said, discarding

    try:
        asides = await weigh_undo(conductor, args.step, hosts)
    except ProcedureError:
        return  # the undo refuses it itself, saying why
    if not asides:
        return
    print(f"! sets aside: {asides_said(asides)}", flush=True)
    if (lost := discarding(asides)) and not args.discard_writes:
        title = conductor.step(args.step).title
        said = asides_said({h: asides[h] for h in lost}, len(asides))
        conductor.note(f"Undo of “{title}” not started ({FLAG} not given): {said}", args.step)
        raise UsageError(refused_headless(title, lost))
    noted(conductor, args.step, asides, FLAG if lost else "--yes")


def went_said(conductor: Conductor, undo: StepState) -> str:
    """`, the restored data directory set aside, not merged back: ...` for the undo's last
    line, where its latest run set one aside (its hosts' `restored to`); else ""."""
    from console.model.set_aside import went_aside, went_aside_said
    from console.model.visible import visible

    went = went_aside(conductor.state.integrity, undo.id, undo.restarted_seq)
    return f", {visible(went_aside_said(went), one_line=True)}" if went else ""
