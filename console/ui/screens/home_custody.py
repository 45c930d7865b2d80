"""Under the home screen's incident list: whose the highlighted incident is."""

from __future__ import annotations

from console.engine.listing import IncidentSummary
from console.journal.custody import Custody


def custody_text(summary: IncidentSummary, custody: Custody, keys: tuple[str, str]) -> str:
    """How it was left open, whose it is, from whom it was handed over, who holds its
    locks, and what this account may do with it (`keys`: follow's and resume's)."""
    closed = summary.outcome is not None
    lines = [
        *([f"Left open: {summary.ended}."] if summary.ended else []),  # first: the news
        custody.whose(closed),
        *([f"{said}."] if (said := custody.handed_line(summary.handed_over, closed)) else []),
        *custody.lock_lines(),
        custody.can(summary.incident_id, closed, keys),
    ]
    return "\n".join(lines)
