"""Why a host failed, in the timeline's rows: its stage, its exit status (with what it
means where the console gives it a meaning) or failure, and its last line on stderr, as
the headless run's last lines and the Failures section say it. Seen: the row read
`1 failed (db-1: non-zero exit)`, and why (`no backup directory ...`) was only in Failures."""

from __future__ import annotations

from console.journal.export import reading
from console.model.events import Event, Kind
from console.model.payloads import CommandResult
from console.model.visible import clip, visible

SAID = 100  # characters of a host's own line in a row: the rest is in Failures


class LastErrors:
    """Per (step, host): the last line its latest command printed on stderr."""

    def __init__(self) -> None:
        self.lines: dict[tuple[str | None, str | None], str] = {}

    def see(self, event: Event) -> None:
        place = (event.where.step, event.where.host)
        if event.kind == Kind.COMMAND_INTENT:
            self.lines.pop(place, None)  # a stage's own words only
        elif event.kind == Kind.COMMAND_OUTPUT and (
            said := [line for line in reading.stderr(event) if line.strip()]
        ):
            self.lines[place] = said[-1]

    def of(self, event: Event) -> str:
        return self.lines.get((event.where.step, event.where.host), "")


def failed_why(result: CommandResult, said: str) -> str:
    """`at precheck, exit status 3: no backup directory /srv/nope (backup)`: the stage,
    how it ended (`exit status 122: nothing changed there, ...`, `timeout`, `connection
    refused: ...`) and the host's own last line (made visible, one line, cut at SAID)."""
    if result.exit_status is not None and (result.detail or "").startswith("exit status"):
        how = str(result.detail)
    elif result.failure is not None:
        how = result.failure.value + (f": {result.detail}" if result.detail else "")
    else:
        how = result.detail or "failed"
    how = clip(visible(how, one_line=True), SAID)
    how = f"at {result.stage}, {how}" if result.stage else how
    words = clip(visible(said.strip(), one_line=True), SAID)
    return f"{how}: {words}" if words and words not in how else how
