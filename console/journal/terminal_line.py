"""An event as one terminal line, for headless runs and `follow`: what a host printed is
escaped, never obeyed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.journal.describe import describe
from console.model.events import Event
from console.model.templates import headline
from console.model.visible import visible

if TYPE_CHECKING:
    from console.model.payloads import DrillStarted

# The place column (a host, a step or a system) is as wide as the longest place of the
# incident, within these bounds: "halt-delivery", "stop-traffic-shift" wider than a fixed
# 10 pushed every line of theirs out of line with the hosts' lines around them, and at
# 80 columns a place wider than MAX_PLACE would leave its text too little room.
MIN_PLACE, MAX_PLACE = 10, 20


class PlaceColumn:
    """The width of the place column, learnt from the incident's events as they are
    printed: its steps from its opening, its hosts and systems from their selection, so
    that every line after those is in line; any other place widens it as it comes."""

    def __init__(self, *names: str) -> None:
        self.width = MIN_PLACE
        self._known: set[str] = set()  # the places measured already (two lines a host a step)
        self.widen(*names)

    def widen(self, *names: str) -> None:
        longest = max((len(visible(n, one_line=True)) for n in names), default=0)
        self.width = max(self.width, min(longest, MAX_PLACE))

    def learn(self, event: Event) -> None:
        from console.model.payloads import DrillStarted, IncidentOpened, SystemsSelected

        data = event.data
        if isinstance(data, IncidentOpened):
            self.widen(*(step["id"] for step in data.steps))
        elif isinstance(data, SystemsSelected):
            self.widen(*data.systems, *data.hosts)
        elif isinstance(data, DrillStarted):  # its own steps, as they will come
            self.widen(*_drill_steps(data))
        where = place(event)
        if where not in self._known:
            self._known.add(where)
            self.widen(where)

    def line(self, event: Event, verify: str = "") -> str:
        """`event`'s line (`console_line`), the place column widened for it first."""
        self.learn(event)
        return console_line(event, verify, self.width)


def place(event: Event) -> str:
    """Where `event` happened, as its line says it: the host, else the step, else the system."""
    return event.where.host or event.where.step or event.where.system or ""


def console_line(event: Event, verify: str = "", width: int = MIN_PLACE) -> str:
    """A terminal line for headless runs and follow: time, where (in a column `width`
    wide), what. What a host printed is shown with its control characters escaped, never
    obeyed. `verify`: the command line that verifies a host whose outcome is unknown
    (`describe`)."""
    from console.model.payloads import CommandIntent, CommandOutput  # steps: not on home's way

    data = event.data
    if isinstance(data, CommandOutput):
        mark = "!" if data.stream == "stderr" else "|"
        host = visible(event.where.host or "", one_line=True)
        at = _clock(event)
        return "\n".join(f"{at}  {host:<{width}} {mark} {visible(ln)}" for ln in data.lines)
    text = describe(event, verify)
    if isinstance(data, CommandIntent):
        first, more = headline(data.command)
        text += f": {first}" + (" ..." if more else "")
    return visible(f"{_clock(event)}  {place(event):<{width}} {text}", one_line=True)


_SAID = [(-1, "")]  # the last second said, and how: most lines share their second


def _clock(event: Event) -> str:
    """`event`'s time as its line says it, HH:MM:SS (a strftime was a sixth of a line)."""
    ts = event.ts
    second = ts.second + 60 * ts.minute + 3600 * ts.hour
    said, text = _SAID[0]
    if second != said:
        text = f"{ts:%H:%M:%S}"
        _SAID[0] = (second, text)
    return text


def _drill_steps(data: DrillStarted) -> list[str]:
    """The steps a drill adds to its incident: each fault's and its undo, and the
    integrity check's (seen: `drill` widened its column from `drill-fault-1` to
    `drill-integrity` two thirds of the way through, its lines out of line from there)."""
    from console.model.step_state import AFTER_STEP, BASELINE_STEP, fault_steps

    faults = [step for n in range(1, len(data.faults) + 1) for step in fault_steps(n)]
    return [*faults, *((BASELINE_STEP, AFTER_STEP) if data.integrity else ())]
