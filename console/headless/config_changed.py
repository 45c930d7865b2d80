"""A configuration file changed while a headless command ran: said in one line, and noted
in the incident with the versions, as the console says it where a step is confirmed
(console/engine/config_drift.py). The command ran what it read as it started."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from console.engine.config_drift import Drift

if TYPE_CHECKING:
    from console.engine.conductor import Conductor

LINE = 10_000  # the line's room: a terminal wraps it, whole


def say_config_changed(
    conductor: Conductor, command: str, step: str | None = None, json: bool = False
) -> None:
    """After `command` (`run`) sent its commands: the files changed since it read them,
    in one line (on stderr beside `json`'s document) and a note on `step`, if any."""
    settings = conductor.settings
    drift = Drift(settings.directory, settings.files_read or {}, settings.ansible_read)
    line, _ = drift.notice(f"{command} sent what it read as it started", room=LINE)
    if line:
        print(f"! {line}", file=sys.stderr if json else sys.stdout, flush=True)
        drift.note(conductor, step, f"{command} with the configuration read as it started")
