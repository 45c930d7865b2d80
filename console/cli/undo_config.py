"""Which configuration `undo` runs, and what it says of it: --config's, the files as they
are now (what changed since the incident opened said, and noted: the drift check), else
the incident's own, kept beside its journal as it opened (config-opened.json; seen: `undo
ID STEP` stopped at 'no configuration found' with that copy there): then what changed in
the files it was read from is said too, not sent."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console.cli.common import load

if TYPE_CHECKING:
    from console.cli.undo_params import Instead
    from console.engine.conductor import Conductor
    from console.engine.kept_config import Kept
    from console.model.events import Event
    from console.model.settings import Settings

UNDOES = "undo sends what --dry-run shows"  # a file changed since the incident opened
NOW = "--config DIR sends what the files say now"


class UndoConfig(NamedTuple):
    settings: Settings
    kept: Kept | None  # None: --config's, or the demo's

    def which(self) -> str:
        """Which configuration it is, in words ("": the one the command line named)."""
        if self.kept is None:
            return ""
        return (
            f"configuration the incident opened with, as it kept it ({self.kept.path}, read"
            f" from {self.kept.directory})"
        )

    def since(
        self,
        events: Sequence[Event],
        journal: Path,
        instead: Instead,
        conductor: Conductor | None = None,
    ) -> tuple[str, str]:
        """What changed since the incident opened, in a line, and how the undo sends a
        parameter's new default ("" each: nothing); noted in `conductor`'s incident."""
        from console.engine.config_kept import said_since_opening

        chosen = (instead.chosen_strategy, instead.kept())
        if self.kept is None:
            since = said_since_opening(
                events, self.settings, journal, UNDOES, conductor, chosen=chosen
            )
            return since, instead.hint(since, "")
        since = _changed_there(events, self.kept.directory, journal, chosen)
        if since and conductor is not None:
            conductor.note(since)
        return since, instead.hint(since, f"--config {self.kept.directory} ")


def undo_config(args: argparse.Namespace, journal: Path, demo: bool) -> UndoConfig:
    """--config's settings (or the demo's), else those the incident of `journal` kept."""
    if demo or args.config:
        return UndoConfig(load(args, demo=demo), None)
    from console.engine.kept_config import kept_configuration
    from console.model.invocation import repeat_config

    kept = kept_configuration(journal)
    settings = load(args, directory=kept.directory, files=kept.files, cached=False)
    repeat_config(None)  # its hints leave --config out: they run the same copy again
    return UndoConfig(settings, kept)


def _changed_there(
    events: Sequence[Event], directory: Path, journal: Path, chosen: tuple[str | None, dict]
) -> str:
    """The files in `directory` changed since the incident opened (a restart fixed there),
    which the undo does not send; "" where none did. Files that no longer load are said
    so."""
    from console.engine.config_kept import since_opening
    from console.model.loading import load_settings
    from console.model.problems import ConfigError

    try:
        now = load_settings(directory)
    except ConfigError:
        return f"the files in {directory} do not load now (check-config {directory} says why)"
    changed = since_opening(events, now, journal, chosen)
    if not changed:
        return ""
    return (
        f"{'; '.join(c.said() for c in changed)} changed in {directory} since the incident"
        " opened: not sent, this undo sends the incident's copy"
    )
