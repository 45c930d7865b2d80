"""A teammate's incident in the home screen's list. r: while their console runs, asking it
for command (console/engine/handover_request.py, console/ui/yielding.py there); once it has
ended, or let go, taking command of it, with a reason, recorded (console/engine/handover.py),
then resuming it as this account's. f (any incident): the
read-only live view, `rollback-console follow`, in this terminal until it is quit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from console.engine.errors import ProcedureError
from console.journal.files import JournalError
from console.model.visible import visible

if TYPE_CHECKING:
    from console.engine.handover_request import Request
    from console.engine.listing import IncidentSummary
    from console.ui.app import RollbackApp


def teammates(app: RollbackApp, summary: IncidentSummary) -> None:
    """r on an incident this console may not simply resume (Custody.r_does, as the firing
    banner says it): a teammate's, or this account's own that another of its processes
    writes. Say what this account may do with it; ask its owner's console for command, or
    offer the hand-over when it is open and nothing of its owner's runs."""
    custody, closed = summary.custody, summary.outcome is not None
    assert custody is not None
    keys = (app.key_label("home.follow"), app.key_label("home.resume"))
    said = visible(f"{custody.whose(closed)}. {custody.can(summary.incident_id, closed, keys)}")
    if custody.r_does(closed) in ("read", "wait"):  # a closed one, or nobody to ask
        app.notify(said, title="Not resumed: read-only", severity="warning", markup=False)
        return
    from console.ui.screens.dialogs import TextPrompt

    if not _resumable(app, summary.path):
        return
    if custody.r_does(closed) == "ask":
        _ask(app, summary)
        return

    def taken(reason: str | None) -> None:
        if reason:
            _take(app, summary.path, reason)

    app.push_screen(
        TextPrompt(
            f"Take command of {custody.owner}'s incident {summary.incident_id}",
            f"{visible(custody.whose(closed))}. Its journal is copied whole into one of this"
            " account's own, which"
            f" takes its place; {custody.owner}'s is kept as it was beside it. The hand-over,"
            " from whom and why, is recorded in the timeline and the document. Say why.",
            "Reason for taking command",
            required=True,
            danger=True,
            elsewhere=f", so command of {custody.owner}'s {summary.incident_id} was not taken",
        ),
        taken,
    )


def _resumable(app: RollbackApp, journal: Path) -> bool:
    """Whether this console could resume the incident once command is taken (else said,
    before a reason is asked for, or its owner's console asked): a stale lock of another
    incident is not in the way, the resume asks for a reason to take it over."""
    from console.engine.take_first import check_take

    try:
        check_take(app.engine, journal, stale_asked=True)
    except (ProcedureError, JournalError, OSError) as exc:
        app.notify(visible(str(exc)), title="Not taken over", severity="error", markup=False)
        return False
    return True


def _take(app: RollbackApp, journal: Path, reason: str) -> None:
    try:
        journal = app.engine.take_command(journal, reason, stale_asked=True)
    except (ProcedureError, JournalError, OSError) as exc:  # HandOverRefused, LockRefused
        app.notify(visible(str(exc)), title="Not taken over", severity="error", markup=False)
        return
    app.resuming.resume(journal)


def _ask(app: RollbackApp, summary: IncidentSummary) -> None:
    """The owner's console runs: ask it for command (console/engine/handover_request.py),
    then wait for its answer; command is taken once it has let go."""
    from console.ui.screens.dialogs import TextPrompt
    from console.ui.yielding import YIELD_SECONDS

    custody = summary.custody
    assert custody is not None

    def asked(reason: str | None) -> None:
        if not reason:
            return
        from console.engine.handover_request import ask

        locks, actor = app.engine.locks, app.engine.actor
        request = ask(locks, summary.incident_id, actor.login, actor.user, reason)
        app.notify(
            f"Asked {custody.owner}'s console for command: whoever is at its keyboard may"
            f" keep it; with nobody there for {YIELD_SECONDS:.0f} s it hands command over.",
            title="Asked for command",
            markup=False,
        )
        waiting = _answer(app, summary, reason, request)
        app.run_worker(waiting, group="take-command", exit_on_error=False)

    app.push_screen(
        TextPrompt(
            f"Ask {custody.owner}'s console for command of {summary.incident_id}",
            f"{visible(custody.whose(False))}. Its console is asked to hand command over:"
            " whoever is at its keyboard"
            f" keeps it (Esc) or hands it over; with nobody there for {YIELD_SECONDS:.0f} s,"
            " it records the hand-over and quits, and command is taken here. Say why.",
            "Reason for asking",
            required=True,
            danger=True,
            elsewhere=f", so {custody.owner}'s console was not asked for {summary.incident_id}",
        ),
        asked,
    )


async def _answer(
    app: RollbackApp, summary: IncidentSummary, reason: str, request: Request
) -> None:
    """Wait (bounded) for the owner's console to let go, then take command; or say that
    it kept command, or did not answer."""
    import asyncio

    from console.engine.handover_request import (
        ANSWER_SECONDS,
        LET_GO_SECONDS,
        POLL_SECONDS,
        Waiting,
    )

    assert summary.custody is not None  # a teammate's
    incident, owner = summary.incident_id, summary.custody.owner
    waiting = Waiting(app.engine.locks, summary.path, incident, request)
    said = None
    while said is None:
        await asyncio.sleep(POLL_SECONDS)
        said = waiting.look()
    if said == "let go":
        _take(app, summary.path, reason)
        return
    told = {
        "kept": f"{owner}'s console kept command of {incident}.",
        "unanswered": f"{owner}'s console did not hand command over within"
        f" {ANSWER_SECONDS:.0f} s (a step runs there, or it does not look): ask again later.",
        "held": f"{owner}'s console handed command of {incident} over to you as this wait"
        f" ended, and had not let go of it {LET_GO_SECONDS:.0f} s later: take command (r) once"
        " it has ended.",
    }
    app.notify(told[said], title="Not taken over", severity="warning", markup=False)


def follow(app: RollbackApp, journal: Path) -> None:
    """The follow view of `journal` in this terminal, the console suspended meanwhile (it
    holds nothing of that incident: nothing waits on it). `-P`: this checkout's package,
    whatever the current directory holds."""
    from textual.app import SuspendNotSupported

    command = [sys.executable, "-P", "-m", "console", "follow", str(journal)]
    try:
        with app.suspend():
            subprocess.run(command, check=False)
    except SuspendNotSupported:  # no terminal of its own (a browser, a test)
        app.notify(f"Follow it from a shell: rollback-console follow {journal}", markup=False)
