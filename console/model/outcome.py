"""How an incident ended: the outcome a commander closes it with, and what each one needs."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class Outcome(StrEnum):
    """The `outcome` of `incident.closed`. The first six are a commander's choice in the
    console; the rest are written by the program (headless runs, dismissed triggers)."""

    ROLLED_BACK = "rolled-back"
    UNVERIFIED = "unverified"
    PARTIAL = "partial"
    ABORTED = "aborted"
    NOT_NEEDED = "not-needed"
    HANDED_OVER = "handed-over"
    FAILED = "failed"
    DISMISSED = "dismissed"
    REFUSED = "refused"
    COMPLETED = "completed"

    @property
    def title(self) -> str:  # type: ignore[override]  # str.title() is not used on it
        return TITLES[self]

    @property
    def short(self) -> str:
        """A word or two for lists: `partial`, `false alarm`."""
        return SHORT.get(self, self.title)

    @property
    def needs(self) -> str | None:
        """What the close must say besides the outcome: reason, hosts or to (whom)."""
        return NEEDS.get(self)

    @property
    def good(self) -> bool:
        return self in (Outcome.ROLLED_BACK, Outcome.COMPLETED)


TITLES = {
    Outcome.ROLLED_BACK: "rolled back and verified",
    Outcome.UNVERIFIED: "rolled back, not verified",
    Outcome.PARTIAL: "partially rolled back",
    Outcome.ABORTED: "aborted",
    Outcome.NOT_NEEDED: "not needed (false alarm)",
    Outcome.HANDED_OVER: "handed over",
    Outcome.FAILED: "failed",
    Outcome.DISMISSED: "dismissed",
    Outcome.REFUSED: "refused",
    Outcome.COMPLETED: "completed",
}
SHORT = {
    Outcome.ROLLED_BACK: "rolled back",
    Outcome.UNVERIFIED: "not verified",
    Outcome.PARTIAL: "partial",
    Outcome.NOT_NEEDED: "false alarm",
}
NEEDS = {
    Outcome.UNVERIFIED: "reason",
    Outcome.PARTIAL: "hosts",
    Outcome.ABORTED: "reason",
    Outcome.NOT_NEEDED: "reason",
    Outcome.HANDED_OVER: "to",
    Outcome.FAILED: "reason",
    Outcome.DISMISSED: "reason",
    Outcome.REFUSED: "reason",
}
# What a commander chooses from in the console, in this order.
CHOSEN = (
    Outcome.ROLLED_BACK,
    Outcome.UNVERIFIED,
    Outcome.PARTIAL,
    Outcome.ABORTED,
    Outcome.NOT_NEEDED,
    Outcome.HANDED_OVER,
)


def outcome_label(
    outcome: Outcome, reason: str = "", hosts: Sequence[str] = (), to: str = ""
) -> str:
    """The outcome in words, e.g. `partially rolled back; not rolled back: web-2`."""
    if outcome is Outcome.PARTIAL:
        return f"{outcome.title}; not rolled back: {', '.join(hosts)}"
    if outcome is Outcome.HANDED_OVER:
        return f"{outcome.title} to {to}" + (f": {reason}" if reason else "")
    return outcome.title + (f": {reason}" if reason else "")
