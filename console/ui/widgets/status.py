"""Status as symbol and word (never colour alone), with a colour as a bonus."""

from __future__ import annotations

from rich.text import Text

from console.model.state import HostStatus, StepStatus
from console.ui.palette import themed

STYLES = {
    "pending": "",
    "not started": "dim",
    "running": "bold $warning",
    "succeeded": "$success",
    "done": "$success",
    "failed": "bold $error",
    "aborted": "bold $error",
    "unknown": "bold $warning",
    "skipped": "$secondary",
    "held": "bold $warning",
    "refused": "bold $primary",  # nothing to do there: neither success nor failure
    "halted": "bold $error",  # a probe read bad after a wave: the later ones not started
}


def status_text(status: HostStatus | StepStatus, width: int = 0) -> Text:
    """`✔ succeeded` as Rich text, padded to `width`."""
    label = f"{status.symbol} {status.value}"
    return Text(label.ljust(width), style=themed(STYLES.get(status.value, "")))
