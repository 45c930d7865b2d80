"""A configuration file changed while a headless command ran: said in one line, and noted
in the incident with the versions, as the console says it where a step is confirmed
(console/engine/config_drift.py). The command ran what it read as it started. And a file
that decides where `exec --journal` connects changed since its incident opened: nothing is
sent unless asked (config_kept.py)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from console.engine.config_drift import Changed, Drift
from console.engine.config_kept import since_opening, versions
from console.engine.errors import ProcedureError
from console.model.events import Event
from console.model.files import FILES
from console.model.settings import Settings

if TYPE_CHECKING:
    from console.engine.conductor import Conductor

LINE = 10_000  # the line's room: a terminal wraps it, whole
GO_ON = "--accept-config-change"


def say_config_changed(
    conductor: Conductor, command: str, step: str | None = None, json: bool = False
) -> None:
    """After `command` (`run`) sent its commands: the files changed since it read them,
    in one line (on stderr beside `json`'s document) and a note on `step`, if any."""
    settings = conductor.settings
    drift = Drift(settings.directory, settings.files_read or {}, settings.ansible_read)
    drift.chosen = (conductor.state.strategy, conductor.state.params)
    line, _ = drift.notice(f"{command} sent what it read as it started", room=LINE)
    if line:
        print(f"! {line}", file=sys.stderr if json else sys.stdout, flush=True)
        drift.note(conductor, step, f"{command} with the configuration read as it started")


def check_hosts_since_opening(conductor: Conductor, go_on: bool, json: bool = False) -> None:
    """`exec --journal`, before anything is sent: where inventory.toml or an Ansible
    inventory changed since the incident opened (a host's address, port, user or key:
    what it connects to), one line says what, and the record too; refused (exit 2)
    unless `go_on` (GO_ON): then it sends to the hosts as the files are now."""
    recorder = conductor.recorder
    changed = hosts_changed(recorder.events, conductor.settings, recorder.path)
    if not changed:
        return
    said = f"{'; '.join(c.said() for c in changed)} changed since the incident opened"
    if not go_on:
        conductor.note(
            f"exec refused, nothing sent: changed since the opening: {versions(changed)}"
        )
        raise ProcedureError(
            f"{said}: nothing sent; {GO_ON} sends to the hosts as the files are now"
        )
    conductor.note(
        f"exec with the files as they are now ({GO_ON}): changed since the opening:"
        f" {versions(changed)}"
    )
    print(
        f"exec: ! {said}; {GO_ON}: it sends to the hosts as the files are now.",
        file=sys.stderr if json else sys.stdout,
        flush=True,
    )


def hosts_changed(events: Sequence[Event], settings: Settings, journal: Path) -> list[Changed]:
    """The files changed since the incident of `journal` opened that say where exec
    connects: inventory.toml and the Ansible inventories it names."""
    changed = since_opening(events, settings, journal)
    return [c for c in changed if c.name == FILES["inventory"] or c.name not in FILES.values()]


def dry_run_said(journal: Path, settings: Settings) -> str:
    """`exec --dry-run --journal`: what its run would say first, as a comment ("": none)."""
    from console.journal.store import read_journal

    changed = hosts_changed(read_journal(journal).events, settings, journal)
    if not changed:
        return ""
    from console.headless.commands_shown import comment

    said = "; ".join(c.said() for c in changed)
    return comment(
        f"{said} changed since the incident opened: exec sends nothing without {GO_ON}",
        "# ! ",
        "#   ",
    )
