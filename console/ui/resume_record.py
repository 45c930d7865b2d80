"""What a resumed incident's record says of the console before: the hosts it left
unknown (and what the last check found there), and why it ended when nobody quit it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.model.events import Event, Kind
from console.model.kinds import no_verify
from console.model.step_state import undoes

if TYPE_CHECKING:  # loaded with the first incident
    from rich.text import Text

    from console.journal.event_log import EventLog
    from console.model.settings import Settings
    from console.model.state import IncidentState


@dataclass(frozen=True)
class Unknown:
    """A host whose last intent on `step` has no recorded outcome, and whether its
    earlier attempt was found running when last asked (None: not asked, or no answer)."""

    step: str
    host: str
    running: bool | None


def step_named(settings: Settings, step_id: str) -> str:
    """A step's title; an undo's `Undo: ` and its step's (the banner said “restore.undo”,
    walked at 80x24); an ad-hoc command's id."""
    titles = {s.id: s.title for s in settings.procedure.steps}
    if (undone := undoes(step_id)) in titles:
        return f"Undo: {titles[undone]}"
    return titles.get(step_id, step_id)


def unknown_hosts(state: IncidentState, events: Sequence[Event]) -> list[Unknown]:
    """Unknown hosts, each with what the last check since its intent found."""
    from console.model.payloads import AttemptChecked  # its family: not on the way to home

    found = []
    for step_id, host in state.unknown_hosts:
        running = None
        for event in reversed(events):  # newest first, back to the unrecorded intent
            if event.where.host != host or event.where.step != step_id:
                continue
            if event.kind == Kind.COMMAND_INTENT:
                break
            if isinstance(event.data, AttemptChecked):
                running = event.data.running
                break
        found.append(Unknown(step_id, host, running))
    return found


def ended_by(events: EventLog) -> str | None:
    """How the console before this resume ended without closing the incident, when
    nobody quit it: killed or crashed without a word, or letting go as its terminal
    closed or on SIGTERM (its locks' release or keep says why); who it was and when its
    last event was written (`LastDriver.ended`). None when its commander quit, or nothing
    drove it. Only the events named are read (an output event is skipped by its place)."""
    from console.journal.left_open import LastDriver
    from console.model.payloads import IncidentResumed

    starts, last, stopped = 0, None, ""
    locks: list[int] = []
    for index in range(len(events) - 1, -1, -1):
        kind = events.place(index)[0]
        if kind in (Kind.INCIDENT_RESUMED, Kind.INCIDENT_OPENED):
            starts += 1
            if starts == 1 and isinstance(resumed := events[index].data, IncidentResumed):
                stopped = resumed.stopped or ""  # this resume found why the one before stopped
            if starts == 2:
                break
        elif starts == 1:
            # A hand-over is the taker's, written as it took command: not the last word
            # of the console before (its time was said as the killed console's last).
            if last is None and kind != Kind.COMMANDER_HANDED_OVER:
                last = index
            if kind in (Kind.LOCK_ACQUIRED, Kind.LOCK_RELEASED, Kind.LOCK_KEPT):
                locks.append(index)
    if last is None:
        return None
    driver = LastDriver()
    driver.stopped = stopped
    for index in reversed(locks):
        driver.feed(events[index])
    driver.last = events[last]
    return driver.ended()


def no_verify_of(settings: Settings, state: IncidentState, unknown: list[Unknown]) -> str:
    """Why none of the unknown hosts' steps has a verify to run (`a command step has no
    verify command`), or "" when one has: V then only asks whether the attempt still
    runs there (seen: the banner offered "the step's verify" of a command step)."""
    reasons = set()
    for step in dict.fromkeys(u.step for u in unknown):
        if not (why := no_verify(settings, state, step)):
            return ""
        reasons.add(why)
    return "; ".join(sorted(reasons))


def by_hand(state: IncidentState, settings: Settings) -> str:
    """How to run the step's verify on the unknown hosts of a closed incident, or, left
    by steps with no verify (`verify` refuses them), to check them with an `exec`."""
    from console.model.outcome import check_by_hand, verify_by_hand

    hosts = state.unknown_at_close
    if state.left_by_commands(hosts):
        systems = settings.inventory.in_order(settings.inventory.system_of(h).name for h in hosts)
        return check_by_hand(systems, hosts)
    return verify_by_hand(state.verifies or state.incident_id, kept=bool(hosts))


def verified_by_hand(state: IncidentState, hosts: list[str]) -> str:
    """`verified by hand in incident ID: app-2 succeeded` once `verify` answered for
    every host of `hosts` (those left unknown); empty until then."""
    found = state.verified_by_hand
    if not hosts or not all(found.get(h, "").startswith("verified: ") for h in hosts):
        return ""
    said = ", ".join(f"{h} {found[h].removeprefix('verified: ').split(' (')[0]}" for h in hosts)
    return f"verified by hand in incident {state.verified_by}: {said}"


def by_hand_said(state: IncidentState, settings: Settings) -> str:
    """The resume notice's sentence on how the hosts left unknown are checked after the
    close: the verify by hand, or an `exec` where steps with no verify left them."""
    if state.left_by_commands(state.unknown_at_close):  # `verify` refuses those
        return (
            f"Check by hand: {by_hand(state, settings)}, with a command that tells whether the"
            " change was made there (a new incident, under the locks)."
        )
    return (
        f"Verify by hand: {by_hand(state, settings)} runs the step's verify there (a new"
        " incident, under the locks) and notes here what it found."
    )


def by_hand_text(state: IncidentState, settings: Settings, held_here: bool = False) -> Text:
    """The closed incident's banner line on how its unknown hosts are checked: whole at 80
    columns, the command on lines of its own, as a shell continues one; `held_here`: this
    console holds the locks its close kept, so the command runs once it has quit (seen: the
    banner offered `verify ID --take-over-lock`, refused while this console ran)."""
    from rich.text import Text

    commands = state.left_by_commands(state.unknown_at_close)
    label = " check by hand: " if commands else " verify by hand: "
    text = Text(" once this console has quit: " if held_here else label)
    command, take, over = by_hand(state, settings).partition(" --take-over-lock")
    over, config, directory = over.partition(" --config")
    text.append(command + (" \\\n" if take else ""), style="bold")
    if take:
        text.append(f"   {take.strip()}{over}", style="bold")
    if config:
        text.append(" \\\n", style="bold")
        text.append(f"   {config.strip()}{directory}", style="bold")
    what = (
        "a command that tells whether the change was made"
        if commands
        else "the step's verify there"
    )
    text.append(f"  ({what})")
    return text
