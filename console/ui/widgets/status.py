"""Status as symbol and word (never colour alone), with a colour as a bonus."""

from __future__ import annotations

from rich.text import Text

from console.model.state import HostStatus, StepStatus

STYLES = {
    "pending": "",
    "not started": "dim",
    "running": "bold $accent",
    "succeeded": "$success",
    "done": "$success",
    "failed": "bold $error",
    "aborted": "bold $error",
    "unknown": "bold $warning",
    "skipped": "$secondary",
}

RICH_STYLES = {
    "running": "bold #e0b44c",
    "succeeded": "#6cc07a",
    "done": "#6cc07a",
    "failed": "bold #ef6b6b",
    "aborted": "bold #ef6b6b",
    "unknown": "bold #e0b44c",
    "skipped": "#8fb8de",
    "not started": "dim",
}


def status_text(status: HostStatus | StepStatus, width: int = 0) -> Text:
    """`✔ succeeded` as Rich text, padded to `width`."""
    label = f"{status.symbol} {status.value}"
    return Text(label.ljust(width), style=RICH_STYLES.get(status.value, ""))
