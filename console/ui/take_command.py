"""r on a teammate's incident in the home screen's list: read-only while their console
runs (said, nothing opened); once it has ended, taking command of it, with a reason,
recorded (console/engine/handover.py), then resuming it as this account's."""

from __future__ import annotations

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
    said = visible(f"{custody.whose(closed)}. {custody.can(summary.incident_id, closed)}")
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
