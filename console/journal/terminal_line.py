"""An event as one terminal line, for headless runs and `follow`: what a host printed is
escaped, never obeyed."""

from __future__ import annotations

from console.journal.describe import describe
from console.model.events import Event
from console.model.templates import headline
from console.model.visible import visible


def console_line(event: Event, verify: str = "") -> str:
    """A terminal line for headless runs and follow: time, where, what. What a host
    printed is shown with its control characters escaped, never obeyed. `verify`: the
    command line that verifies a host whose outcome is unknown (`describe`)."""
    from console.model.payloads import CommandIntent, CommandOutput  # steps: not on home's way

    data = event.data
    if isinstance(data, CommandOutput):
        mark = "!" if data.stream == "stderr" else "|"
        host = visible(event.where.host or "", one_line=True)
        return "\n".join(
            f"{event.ts:%H:%M:%S}  {host:<10} {mark} {visible(ln)}" for ln in data.lines
        )
    text = describe(event, verify)
    if isinstance(data, CommandIntent):
        first, more = headline(data.command)
        text += f": {first}" + (" ..." if more else "")
    place = event.where.host or event.where.step or event.where.system or ""
    return visible(f"{event.ts:%H:%M:%S}  {place:<10} {text}", one_line=True)
