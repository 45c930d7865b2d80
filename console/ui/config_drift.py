"""What a confirmation says of the configuration: the files changed since the incident
opened, key by key (after any restart the console runs the files as it read them at its
start: a step's command edited between a crash and the resume is not the one the incident
opened with; engine/config_kept.py), and those changed since the console started
(engine/config_drift.py: what runs is what it read then). One line in sight above the
commands, what changed after them; a note on the step says which versions ran."""

from __future__ import annotations

from itertools import product
from typing import TYPE_CHECKING

from console.engine.config_drift import HEADLINE, Changed, Drift
from console.engine.config_kept import since_opening, versions

if TYPE_CHECKING:
    from console.engine.conductor import Conductor

RAN = "run with the configuration read when the console started, as its confirmation showed"
OPENED = "since the incident opened"


class ConfigSaid:
    """The console's configuration against its incident's opening and its files now."""

    def __init__(self, drift: Drift):
        self.drift = drift  # since start
        self._opening: tuple[object, list[Changed]] = (None, [])  # by incident: read once

    def opening(self, conductor: Conductor | None) -> list[Changed]:
        """The files the console runs (read at its start) changed since `conductor`'s
        incident opened, what in each; looked at once for each incident and the strategy
        it chose."""
        if conductor is None:
            return []
        journal, state = conductor.recorder.path, conductor.state
        chosen = (state.strategy, dict(state.params))
        if self._opening[0] != (journal, chosen):  # and again once it chose its strategy
            events = conductor.recorder.events
            changed = since_opening(events, conductor.settings, journal, chosen)
            self._opening = ((journal, chosen), changed)
        return self._opening[1]

    def notice(
        self, conductor: Conductor | None, does: str = "runs what is shown", room: int = HEADLINE
    ) -> tuple[str, str]:
        """One line kept in sight above the commands (it `does` what), and what changed,
        said after them (("", ""): nothing did): since the incident opened, then since the
        console started."""
        opened = self.opening(conductor)
        self._chosen(conductor)
        headline, changes = self.drift.notice(does, room)
        if not opened:
            return headline, changes
        # A file changed since start changed since the opening too: one line for both.
        names = list(dict.fromkeys([c.name for c in opened + self.drift.changed()]))
        count = f"{len(names)} files" if names[1:] else "A file"
        for who, since in product((", ".join(names), count), (OPENED, "since opening")):
            if len(line := f"{who} changed {since}: this {does}.") <= room:
                break
        what = "; ".join(c.said() for c in opened)
        since = f"Changed {OPENED}: {what}; this {does}, the files as read at the console's start."
        return line, f"{since} {changes}".rstrip()

    def note(self, conductor: Conductor | None, step_id: str | None, done: str = RAN) -> None:
        """Before a step runs (or is `done` otherwise: verified): which versions it runs
        with, where a file changed since the incident opened or the console started."""
        if conductor is not None and (opened := self.opening(conductor)):
            conductor.note(f"{done}: changed {OPENED}: {versions(opened)}", step_id)
        self._chosen(conductor)
        self.drift.note(conductor, step_id, done)

    def _chosen(self, conductor: Conductor | None) -> None:
        """What the incident chose, for the drift to say a default it keeps not used."""
        state = conductor.state if conductor is not None else None
        self.drift.chosen = (state.strategy, state.params) if state else (None, {})
