"""What the picker's SSH check says: how the hosts answered, and why the one under the
cursor did not, its reason folded to the panel's width."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from console.engine.failures import NOT_DIALLED
from console.engine.reach import Reach, ReachCheck
from console.model.status import FailureClass
from console.model.visible import visible
from console.ui.palette import themed
from console.ui.widgets.fold import fold


def reach_text(
    reach: ReachCheck,
    hosts: list[str],
    which: str,
    cursor: str | None,
    width: int,
    key_label: Callable[[str], str],
) -> Text:
    """`SSH check (all 7): ✔ 6 up · ✘ 1 not up`, the cursor host's reason when it is not
    up, and the keys that help."""
    # A host checked again counts once, as checking: its last answer beside it made
    # '✔ 7 up · ✘ 1 not up · … 8 checking' of 8 hosts (seen at 80x24 on ^r).
    settled = [h for h in hosts if h not in reach.checking]
    checking = len(hosts) - len(settled)
    up = sum(1 for h in settled if (r := reach.results.get(h)) and r.ok)
    failing = reach.failing(settled)
    down = len(failing)
    text = Text.assemble((f"SSH check ({which} {len(hosts)}): ", "bold"))
    text.append(f"✔ {up} up", style=themed("$success"))
    if down:
        text.append(" · ")
        text.append(f"✘ {down} not up", style=themed("bold $error"))
    if checking:
        text.append(f" · … {checking} checking", style="dim")
    if retried := sum(1 for h in settled if (r := reach.results.get(h)) and r.ok and r.dropped):
        # A bastion (or sshd) at its MaxStartups now may drop more of a run's logins
        said = f"{retried} up only once a login dropped on the way (MaxStartups) was tried again"
        text.append("\n" + fold(said, width), style=themed("$warning"))
    if down:  # named: among 50 hosts, those not up are off the tree's screen
        named = not_up(reach, [h for h in settled if h in failing])
        text.append("".join(f"\n{fold(line, width)}" for line in named), style=themed("$error"))
    answer = reach.results.get(cursor) if cursor is not None else None
    if answer is not None and not answer.ok:
        # the server's words, maybe; a host not dialled is not said unreachable: never asked
        said_why = answer.detail if dialled_not(answer) else answer.describe()
        why = visible(said_why, one_line=True)
        # Folded here, not by the widget: a path or a fingerprint breaks after its '/'
        # or ',', not wherever the panel's edge falls.
        said = fold(f"{answer.host}: {why}", width)
        text.append(f"\n{said}", style=themed("$error"))
        if answer.failure is FailureClass.HOSTKEY_UNKNOWN:
            key = key_label("picker.hostkey")
            text.append(f"\n{key} shows its fingerprint, to compare and accept", style="bold")
    if not checking:
        text.append(f"\n{key_label('picker.recheck')} checks again", style="dim")
    return text


NAMED = 4  # hosts named in the side pane; the others counted


def not_up(reach: ReachCheck, down: list[str]) -> list[str]:
    """`✘ web-23: connection refused`, a line each in the tree's order (what to type in
    the filter, or to move the cursor to, to read the whole reason), then the others
    counted by why: `+24 more: 12 unreachable, 12 host key unknown` (on 200 hosts, a
    bastion down and keys not yet trusted are two things to do, not 24 hosts)."""
    lines = []

    def why(host: str) -> str:
        answer = reach.results[host]
        if dialled_not(answer):  # this jump host's open files, not the host: said so
            return "not dialled: no open files left"
        said = answer.failure.value if answer.failure else "not up"
        # Behind a bastion that is down, each host read 'connection refused' as if it were
        # the one refusing: the jump host is named, and its hosts counted together.
        return f"{said} at jump host {answer.jump_host}" if answer.jump_host else said

    for host in down[:NAMED]:
        lines.append(f"✘ {host}: {why(host)}")
    if len(down) > NAMED:
        counts: dict[str, int] = {}
        for host in down[NAMED:]:
            counts[why(host)] = counts.get(why(host), 0) + 1
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        lines.append(f"+{len(down) - NAMED} more: " + ", ".join(f"{n} {w}" for w, n in ranked))
    return lines


def dialled_not(answer: Reach) -> bool:
    """Whether the host was never dialled, this jump host's open files run out (the check
    read "unreachable", as if the host were down)."""
    return answer.detail.startswith(NOT_DIALLED)
