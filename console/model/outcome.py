"""How an incident ended: the outcome a commander closes it with, and what each one needs."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from enum import StrEnum

from console.model.invocation import PROGRAM, again


class Outcome(StrEnum):
    """The `outcome` of `incident.closed`. The first six are a commander's choice in the
    console; the rest are written by the program (headless runs, dismissed triggers)."""

    ROLLED_BACK = "rolled-back"
    UNVERIFIED = "unverified"
    PARTIAL = "partial"
    ABORTED = "aborted"
    NOT_NEEDED = "not-needed"
    HANDED_OVER = "handed-over"
    FAILED = "failed"
    DISMISSED = "dismissed"
    REFUSED = "refused"
    COMPLETED = "completed"

    @property
    def title(self) -> str:  # type: ignore[override]  # str.title() is not used on it
        return TITLES[self]

    @property
    def short(self) -> str:
        """A word or two for lists: `partial`, `false alarm`."""
        return SHORT.get(self, self.title)

    @property
    def needs(self) -> str | None:
        """What the close must say besides the outcome: reason, hosts or to (whom)."""
        return NEEDS.get(self)

    @property
    def good(self) -> bool:
        return self in (Outcome.ROLLED_BACK, Outcome.COMPLETED)


ROLLED_BACK, RE_ENABLED = "rolled back", "re-enabled"  # as kinds.py's `done` says them
TITLES = {
    Outcome.ROLLED_BACK: "rolled back and verified",
    Outcome.UNVERIFIED: "rolled back, not verified",
    Outcome.PARTIAL: "partially rolled back",
    Outcome.ABORTED: "aborted",
    Outcome.NOT_NEEDED: "not needed (false alarm)",
    Outcome.HANDED_OVER: "handed over",
    Outcome.FAILED: "failed",
    Outcome.DISMISSED: "dismissed",
    Outcome.REFUSED: "refused",
    Outcome.COMPLETED: "completed",
}
SHORT = {
    Outcome.ROLLED_BACK: "rolled back",
    Outcome.UNVERIFIED: "not verified",
    Outcome.PARTIAL: "partial",
    Outcome.NOT_NEEDED: "false alarm",
}
NEEDS = {
    Outcome.UNVERIFIED: "reason",
    Outcome.PARTIAL: "hosts",
    Outcome.ABORTED: "reason",
    Outcome.NOT_NEEDED: "reason",
    Outcome.HANDED_OVER: "to",
    Outcome.FAILED: "reason",
    Outcome.DISMISSED: "reason",
    Outcome.REFUSED: "reason",
}
# What a commander chooses from in the console, in this order.
CHOSEN = (
    Outcome.ROLLED_BACK,
    Outcome.UNVERIFIED,
    Outcome.PARTIAL,
    Outcome.ABORTED,
    Outcome.NOT_NEEDED,
    Outcome.HANDED_OVER,
)


def titled(outcome: Outcome, done: str = ROLLED_BACK) -> str:
    """The outcome's title, its hosts said `done` as the strategy left them: `re-enabled and
    verified` for a gradual re-enable, which rolls nothing back."""
    return outcome.title.replace(ROLLED_BACK, done)


def outcome_label(
    outcome: Outcome,
    reason: str = "",
    hosts: Sequence[str] = (),
    to: str = "",
    unknown: Sequence[str] = (),
    done: str = ROLLED_BACK,
    shown: int | None = None,
) -> str:
    """The outcome in words, e.g. `partially rolled back; not rolled back: web-2`, or
    `...; outcome unknown: web-3` for a host neither shown rolled back nor not; `done`:
    what the strategy did, `re-enabled` (kinds.py). `shown`: that many hosts named, then
    `+N more` (0: `13 hosts`), where a line has no room for all."""

    def said(names: Sequence[str]) -> str:
        if shown is None:
            return ", ".join(names)
        return named(names, shown) if shown else f"{len(names)} host{'s' * (len(names) != 1)}"

    if outcome is Outcome.PARTIAL:
        parts = [titled(outcome, done)]
        parts += [f"not {done}: {said(hosts)}"] if hosts else []
        parts += [f"outcome unknown: {said(unknown)}"] if unknown else []
        return "; ".join(parts)
    if outcome is Outcome.HANDED_OVER:
        return f"{outcome.title} to {to}" + (f": {reason}" if reason else "")
    return titled(outcome, done) + (f": {reason}" if reason else "")


def done_word(label: str) -> str:
    """What a closed incident's hosts were said to be, read back from its label."""
    return RE_ENABLED if label.startswith((RE_ENABLED, f"partially {RE_ENABLED}")) else ROLLED_BACK


def named(hosts: Sequence[str], shown: int = 3) -> str:
    """`web-1, web-2, web-3 +47 more`: a few names, on a screen or in a line."""
    more = len(hosts) - shown
    return ", ".join(hosts[:shown]) + (f" +{more} more" if more > 0 else "")


def them(hosts: Sequence[str]) -> str:
    """`it` for one host, `them` for more: 'v verifies it', never 'them' for web-3 alone."""
    return "them" if len(hosts) > 1 else "it"


def verify_by_hand(incident: str | None, kept: bool = True, config: bool = True) -> str:
    """How to verify by hand the hosts closed incident `incident` (its id, or its journal's
    directory) left unknown, its V and R not running after the close: `verify` runs the
    step's verify there, as a new incident, which takes over the locks the close kept
    (`kept`) and lets go of them once those hosts answer. `config`: with this process's
    `--config DIR` (invocation.py); the close dialog, full at 80x24, leaves it to the line
    the console prints as it quits."""
    words = f"verify {shlex.quote(incident or 'ID')}{' --take-over-lock REASON' if kept else ''}"
    return again(words) if config else f"{PROGRAM} {words}"


def check_by_hand(systems: Sequence[str], hosts: Sequence[str]) -> str:
    """How to check by hand hosts that a command with no verify (exec's) left unknown."""
    where = f"--systems {','.join(systems)} --hosts {','.join(hosts)}"
    return f"{again(f'exec --take-over-lock REASON {where}')} 'COMMAND'"


def kept_at_close(
    systems: Sequence[str], hosts: Sequence[str], incident: str | None, commands: bool = False
) -> str:
    """What closing `incident` with hosts unknown leaves behind, and how it goes: one
    sentence (the console, `run`, `exec` and the document say it alike). `commands`: only
    ad-hoc commands left them unknown, which `verify` cannot check (it refuses them)."""
    lock = f"lock{'s' if len(systems) > 1 else ''} on {', '.join(systems)}"
    how = (
        f"as a check by hand does ({check_by_hand(systems, hosts)}, with a command that tells"
        " whether the change was made), which lets go of it at its end"
        if commands
        else f"as the verify by hand does ({verify_by_hand(incident)}), which lets go of it"
        " once those hosts answer"
    )
    return (
        f"outcome unknown on {named(hosts)} at the close (a change may still run"
        f" there): the {lock} stay{'' if len(systems) > 1 else 's'} held; another incident"
        f" there is refused, and once the process that closed it has exited needs"
        f" --take-over-lock REASON, {how}"
    )
