"""A status update on its way: each channel of a notify step's latest update, delivered,
not delivered, or still waiting for its answer, and how its retries go."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from console.model.visible import visible
from console.ui.palette import themed

if TYPE_CHECKING:
    from console.ui.incident_view import IncidentView


def sending_text(incident: IncidentView, step_id: str) -> Text | None:
    """Each channel of the step's latest update while one of them has no answer yet;
    None once every channel has answered (the step's result says how it went)."""
    sends = [n for n in incident.state.notifications if n.get("step") == step_id]
    latest = max((n.get("repeat") or 0 for n in sends), default=0)
    update = [n for n in sends if (n.get("repeat") or 0) == latest]
    if all("result" in n for n in update):
        return None
    # Most pressing first: at 80x24 the pane shows six lines, and a third channel's line
    # fell below them (the one still waiting, all the step then waited for).
    update.sort(key=lambda n: 0 if "result" not in n else 2 if n["result"].get("ok") else 1)
    waiting = sum("result" not in n for n in update)
    of = f" ({waiting} of {len(update)} waiting)" if len(update) > 1 else ""
    text = Text(f"Status update #{latest + 1}{of}:" if latest else f"Sending{of}:", style="bold")
    for sent in update:
        name = visible(str(sent.get("channel")), one_line=True)
        result = sent.get("result")
        if result is None:
            how = incident.retrying(sent["seq"]) or _first(incident, str(sent.get("channel")))
            text.append(f"\n… {name}: no answer yet ({how})", style=themed("bold $warning"))
        elif result.get("ok"):
            said = visible(str(result.get("detail")), one_line=True)
            text.append(f"\n✔ {name}: delivered — {said}", style=themed("$success"))
        else:
            said = visible(str(result.get("detail")), one_line=True)
            text.append(f"\n⚠ {name}: not delivered — {said}", style=themed("$warning"))
    return text


def update_text(incident: IncidentView, step_id: str, abort: str | None) -> Text:
    """The execution screen's words for a status update being sent, in place of a host
    grid: no host runs it; each channel's answer so far; the key that stops waiting
    (none for a follower)."""
    text = Text("No host runs a status update: the console sends it.")
    if (sending := sending_text(incident, step_id)) is not None:
        text.append("\n")
        text.append_text(sending)
    if abort:
        text.append(f"\n{abort} stops waiting (no answer yet: not delivered)")
    return text


def _first(incident: IncidentView, name: str) -> str:
    """The first attempt's bounds: its timeout, and how many attempts there may be."""
    channel = next((c for c in incident.settings.procedure.channels if c.name == name), None)
    if channel is None:  # the step's own command
        return "attempt 1"
    return f"attempt 1 of {channel.retries + 1}, up to {channel.timeout:g} s"
