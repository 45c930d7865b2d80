"""`note JOURNAL TEXT`: a note added to an incident's timeline from any shell (a second
responder, the commander away from the console), as the console's n adds one. It appends
under the journal's one writer: while another process writes the journal (a console
driving or amending it, a run), it is refused in one line and nothing is written."""

from __future__ import annotations

import argparse

from console.cli.common import existing_journal, load, unknown_step
from console.cli.console_app import ran_on_demo
from console.cli.parser import EXIT_OK, UsageError


def note(args: argparse.Namespace) -> int:
    from console.engine.session import Engine
    from console.journal.journal_lock import JournalInUse
    from console.model.visible import visible

    text = " ".join(args.text).strip()
    if not text:
        raise UsageError("TEXT: the note is empty; say what happened")
    path = existing_journal(args.journal, args.config)
    demo = args.demo or ran_on_demo(path)
    settings = load(args, demo=demo)
    if args.step and args.step not in {s.id for s in settings.procedure.steps}:
        raise unknown_step("--step", args.step, [s.id for s in settings.procedure.steps])
    engine = Engine.build(settings, demo=demo)
    try:  # a note changes no host: no system lock is claimed, only the journal's writer
        conductor = engine.open_existing(path, [])
    except JournalInUse as busy:
        held = str(busy).partition(": nothing was written here")[0]
        raise UsageError(
            f"{held}: the note was not written; add it in that console (n), or here again"
            " once it has let go of the journal"
        ) from None
    try:
        conductor.note(text, step_id=args.step or None)
        event = conductor.recorder.events[-1]
    finally:
        conductor.recorder.close()
    state = conductor.state
    after = " (an amendment: the incident is closed)" if state.closed else ""
    said = f"{state.incident_id}: noted as event #{event.seq}{after}: {text}"
    print(visible(said, one_line=True))
    return EXIT_OK
