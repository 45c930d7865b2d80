"""A status update on its way: each channel of a notify step's latest update, delivered,
not delivered, or still waiting for its answer, and how its retries go."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from console.model.visible import visible
from console.ui.palette import themed

if TYPE_CHECKING:
    from console.ui.incident_view import IncidentView


def _latest(incident: IncidentView, step_id: str) -> tuple[int, list[dict[str, Any]]]:
    """The number of the step's latest update (0: its first, the step's own) and what was
    sent on each channel then, with its answer once there is one."""
    sends = [n for n in incident.state.notifications if n.get("step") == step_id]
    latest = max((n.get("repeat") or 0 for n in sends), default=0)
    return latest, [n for n in sends if (n.get("repeat") or 0) == latest]


def repeated_update(incident: IncidentView, step_id: str) -> tuple[Text, int] | None:
    """A periodic update every channel has answered, when it is not the step's first:
    each channel's answer, and how many were not delivered. The step's result is its
    first update's: shown instead, a channel failing since read as delivered."""
    latest, update = _latest(incident, step_id)
    if not latest or (text := answered_update(incident, step_id)) is None:
        return None
    return text, sum(not n["result"].get("ok") for n in update)


def answered_update(incident: IncidentView, step_id: str) -> Text | None:
    """The step's latest update, once every channel has answered: each channel's answer.
    Also what a step left `? unknown` says (its console ended before the step did): it
    read nothing else, whoever had been told."""
    latest, update = _latest(incident, step_id)
    if not update or not all("result" in n for n in update):
        return None
    text = Text(f"Status update #{latest + 1}:", style="bold")
    for sent in update:
        _answer(text.append(" "), sent)
    return text


def _answer(text: Text, sent: dict[str, Any]) -> None:
    name = visible(str(sent.get("channel")), one_line=True)
    said = visible(str(sent["result"].get("detail")), one_line=True)
    if sent["result"].get("ok"):
        text.append(f"✔ {name}: delivered — {said}", style=themed("$success"))
    else:
        text.append(f"⚠ {name}: not delivered — {said}", style=themed("$warning"))


def sending_text(incident: IncidentView, step_id: str) -> Text | None:
    """Each channel of the step's latest update while one of them has no answer yet;
    None once every channel has answered (the step's result, or `repeated_update`, says
    how it went)."""
    latest, update = _latest(incident, step_id)
    if all("result" in n for n in update):
        return None
    # Most pressing first: at 80x24 the pane shows six lines, and a third channel's line
    # fell below them (the one still waiting, all the step then waited for).
    update.sort(key=lambda n: 0 if "result" not in n else 2 if n["result"].get("ok") else 1)
    waiting = sum("result" not in n for n in update)
    of = f" ({waiting} of {len(update)} waiting)" if len(update) > 1 else ""
    text = Text(f"Status update #{latest + 1}{of}:" if latest else f"Sending{of}:", style="bold")
    for sent in update:
        if "result" in sent:
            _answer(text.append("\n"), sent)
            continue
        name = visible(str(sent.get("channel")), one_line=True)
        how = incident.retrying(sent["seq"]) or _first(incident, str(sent.get("channel")))
        text.append(f"\n… {name}: no answer yet ({how})", style=themed("bold $warning"))
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
