"""What the probes of a step's systems read now, for a question that widens the step (the
next wave, the next stage): the latest reading the console has of each, from the live
watcher or from the round read after the stage, whichever is newer. Nothing is sampled
here; each reading is shown as the home's probe table shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from console.engine.probe_report import BAD_NAMED, host_problems, threshold_text
from console.model.probe_text import sample_text
from console.model.visible import clip, visible
from console.model.watch import SampleState, host_state
from console.ui.widgets.probe_table import state_text

if TYPE_CHECKING:
    from console.engine.reading import Reading
    from console.engine.watcher import Watcher
    from console.model.watch import ProbeSample

# The worst first: a question about going on lists what speaks against it before the rest.
ORDER = ("firing", "bad", "blind", "inconclusive", "not sampled", "healthy")
KEY_WIDTH = 22
VALUE_WIDTH = 10
HEADING = "Probes now"


def latest_readings(watchers: list[Watcher | None], systems: list[str]) -> list[Reading]:
    """Each probe of `systems` once, as the watcher that sampled it last read it."""
    newest: dict[str, Reading] = {}
    for watcher in filter(None, watchers):
        for key in watcher.keys_for(systems):
            reading, known = watcher.readings[key], newest.get(key)
            if known is None or _newer(reading.last, known.last):
                newest[key] = reading
    return sorted(newest.values(), key=lambda r: (_rank(r.state), r.key))


def _newer(sample: ProbeSample | None, than: ProbeSample | None) -> bool:
    """Whether `sample` was read after `than`, in the order the rounds ended: by the wall
    clock, stepped back an hour, the round read after the canary stood for 'now' over the
    live watcher's newer reading."""
    if sample is None or than is None:
        return than is None
    return sample.serial >= than.serial


def probes_now(readings: list[Reading], most: int = 4, width: int | None = None) -> Text | None:
    """The readings as lines under a heading, the worst first, `most` lines at most (the
    last says `… and N more, all healthy`, or how many of those are not):
    `✘ web/errors  0.31  > 0.05  bad on web-3 0.31`. None when no probe watches these
    systems. Each line fits `width` (the dialog's): its hosts named fewer, then counted."""
    if not readings:
        return None
    shown = readings if len(readings) <= most else readings[: most - 1]
    key_width = max(len(HEADING), *(2 + len(clip(r.key, KEY_WIDTH)) for r in shown))
    values = [clip(sample_text(r.probe, r.last), VALUE_WIDTH) for r in shown]
    limits = [threshold_text(r, short=True) for r in shown]
    value_width = max(map(len, [*values, "Value"]))
    limit_width = max(map(len, [*limits, "Threshold"]))
    heading = (
        f"{HEADING.ljust(key_width)}  {'Value'.ljust(value_width)}"
        f"  {'Threshold'.ljust(limit_width)}"
    )
    text = Text(f"{heading}  State", style="bold")
    for reading, value, limit in zip(shown, values, limits, strict=True):
        symbol = state_text(reading.state)
        symbol.truncate(2)  # `✘ `: the symbol, never colour alone
        text.append("\n")
        text.append_text(symbol)
        key = clip(reading.key, KEY_WIDTH).ljust(key_width - 2)
        row = visible(f"{key}  {value.ljust(value_width)}  {limit.ljust(limit_width)}  ")
        text.append(row)
        room = width - 2 - len(row) if width else None
        text.append(visible(state_said(reading, room), one_line=True), style=symbol.style)
    if rest := readings[len(shown) :]:  # the worst are shown: say if any left out is not
        unhealthy = sum(r.state != "healthy" for r in rest)
        also = f"{unhealthy} of them not healthy" if unhealthy else "all healthy"
        text.append(f"\n… and {len(rest)} more, {also}", style="dim")
    return text


def state_said(reading: Reading, room: int | None = None) -> str:
    """`healthy`, `not sampled`, or the state with its hosts' problems: `bad on web-3 0.31`,
    `firing, bad on web-3 0.31`, `inconclusive, web-3: exit 3`. In `room` columns: fewer
    hosts named (`bad on web-7 down +12 more`), else how many (`bad on 13 of 120 hosts`);
    seen at 200 hosts, cut at the dialog's edge: 'bad on web-007 down, w…'."""
    sample = reading.last
    for named in (None, *range(BAD_NAMED - 1, 1, -1)):
        problems = "; ".join(host_problems(reading, sample, named)) if sample else ""
        if not problems:
            return reading.state
        said = problems if problems.startswith(reading.state) else f"{reading.state}, {problems}"
        if room is None or len(visible(said, one_line=True)) <= room:
            return said
    assert sample is not None
    threshold, probe = reading.probe.threshold, reading.probe
    bad = sum(host_state(probe, h, threshold) is not SampleState.HEALTHY for h in sample.hosts)
    return f"{reading.state} on {bad} of {len(sample.hosts)} hosts"


def _rank(state: str) -> int:
    return ORDER.index(state) if state in ORDER else len(ORDER)
