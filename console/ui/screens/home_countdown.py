"""The home screen's x: the automatic rollback's countdown cancelled, with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.ui.screens.home import HomeScreen


def cancel_countdown(home: HomeScreen) -> None:
    """Ask why, then dismiss the trigger: a closed record says who, why and its evidence."""
    from console.ui.screens.dialogs import TextPrompt

    live = home.app.live
    countdown = live.countdown
    if countdown is None:
        home.notify("No countdown is running.")
        return

    def cancelled(reason: str | None) -> None:
        if not reason:
            return
        # Held for the person at the console while the reason was typed (its deadline
        # passed with a key pressed, or ^t): the proposal it became is what is dismissed.
        # Seen: 'Not cancelled: no countdown is running', the reason lost, the firing
        # still proposed.
        held = next((p for p in live.proposals if p.countdown is countdown), None)
        try:
            record = live.dismiss(held if live.countdown is not countdown else None, reason)
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
