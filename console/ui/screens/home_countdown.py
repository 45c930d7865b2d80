"""The home screen's x: the automatic rollback's countdown cancelled, with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.ui.screens.home import HomeScreen


def cancel_countdown(home: HomeScreen) -> None:
    """Ask why, then dismiss the trigger: a closed record says who, why and its evidence."""
    from console.ui.screens.dialogs import TextPrompt

    live = home.app.live
    if live.countdown is None:
        home.notify("No countdown is running.")
        return

    def cancelled(reason: str | None) -> None:
        if not reason:
            return
        try:
            record = live.dismiss(None, reason)
        except ValueError as exc:
            home.notify(str(exc), title="Not cancelled", severity="error")
        else:
            home.notify(f"Countdown cancelled; recorded in {record}.", title="Cancelled")
        home.refresh_watch()
        home.refresh_incidents()

    home.app.push_screen(
        TextPrompt(
            "Cancel the automatic rollback",
            "The procedure will not start by itself: the trigger is dismissed, and a"
            " closed record says who, why and its evidence. Say why.",
            "Cancel reason",
            required=True,
            danger=True,
        ),
        cancelled,
    )
