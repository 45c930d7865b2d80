"""A teammate's incident in the home screen's list. r: read-only while their console runs
(said, nothing opened); once it has ended, taking command of it, with a reason, recorded
(console/engine/handover.py), then resuming it as this account's. f (any incident): the
read-only live view, `rollback-console follow`, in this terminal until it is quit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from console.model.visible import visible

if TYPE_CHECKING:
    from console.engine.listing import IncidentSummary
    from console.ui.app import RollbackApp


def teammates(app: RollbackApp, summary: IncidentSummary) -> None:
    """Say what this account may do with `summary` (not its own); offer the hand-over
    when it is open and nothing of its owner's runs."""
    custody, closed = summary.custody, summary.outcome is not None
    assert custody is not None
    keys = (app.key_label("home.follow"), app.key_label("home.resume"))
    said = visible(f"{custody.whose(closed)}. {custody.can(summary.incident_id, closed, keys)}")
    if closed or custody.running:
        app.notify(said, title="Not resumed: read-only", severity="warning", markup=False)
        return
    from console.ui.screens.dialogs import TextPrompt

    def taken(reason: str | None) -> None:
        if not reason:
            return
        from console.engine.handover import HandOverRefused
        from console.journal.files import JournalError

        try:
            journal = app.engine.take_command(summary.path, reason)
        except (HandOverRefused, JournalError, OSError) as exc:
            app.notify(visible(str(exc)), title="Not taken over", severity="error", markup=False)
            return
        app.resuming.resume(journal)

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
        ),
        taken,
    )


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
