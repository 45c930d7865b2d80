"""What a run's confirmation says, in the order an incident commander reads it: where it
runs (systems, hosts), what it is and with which values (the strategy, the value its
symbolic parameter stands for on the hosts, the parameters), the commands those values
render, and only then how it goes (waves, failure threshold, stages) and what it does
in words. Seen at 80x24: the waves, the threshold and the description filled the first
screen, the parameters fell on its last row (an edited `restart=sleep 15` unseen) and
every command needed PgDn. Text only: the dialog (confirm_run.py) lays it out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from console.model.kinds import STRATEGY_KINDS, RunsOn
from console.model.outcome import named
from console.model.recovery_undo import RECOVERIES, migration_undone, recovery_undone
from console.model.set_aside import Aside, asides_said, discarding
from console.model.templates import Commands, alike
from console.model.visible import given_first, said_params, visible
from console.model.waves import sizes_said
from console.ui.widgets.one_line import folded
from console.ui.widgets.plain import prose

if TYPE_CHECKING:
    from console.model.payloads import RolloutHeld
    from console.model.strategies import Strategy

COMMAND = "    $ "  # before each command line; a long one goes on under its start
SENDS = "It sends"  # the commands' heading begins so
STAGE = "  "  # before a stage's name (`  action:`), above its command lines
# The labels of what is said after the commands, as the dialog names what is below it.
AFTER = ("Waves", "Failures", "Stages", "Does")


@dataclass(frozen=True)
class StrategySaid:
    """A strategy step's words: `first`, above its commands (the strategy, where it runs,
    the value resolved or checked on the hosts, what a recovery brings back, the
    parameters); `then`, below them (waves, failure threshold, stages, description)."""

    first: Text
    then: Text


def hosts_said(hosts: list[str]) -> str:
    """`web-1, web-2, web-3`, past six `... and 14 more`."""
    return ", ".join(hosts[:6]) + (f" and {len(hosts) - 6} more" if len(hosts) > 6 else "")


def sends(per_host: dict[str, Commands], preview: str) -> str:
    """Whether every host gets what is shown: `It sends the same to each of the 3 hosts`,
    else how many get the first host's commands (only it), and where the others are shown."""
    if len(per_host) == 1:
        return SENDS
    hosts, _ = alike(per_host)[0]
    if len(hosts) == len(per_host):
        return f"{SENDS} the same to each of the {len(hosts)} hosts"
    rest = len(per_host) - len(hosts)
    others = f"{preview} on the checklist shows the other {'host' if rest == 1 else rest}"
    if len(hosts) == 1:  # seen: "the same on 1 of 3 hosts", each host in its own workdir
        return f"{SENDS}, rendered for {hosts[0]} (only {hosts[0]} gets exactly this; {others})"
    return (
        f"{SENDS}, rendered for {hosts[0]} (the same on {len(hosts)} of {len(per_host)}"
        f" hosts; {others})"
    )


def commands_text(commands: Commands, width: int = 0) -> list[tuple[str, Text]]:
    """Each stage's name and command lines, every one (nothing goes that was not seen: it
    scrolls), each as command_lines lays it out."""
    stages = []
    for stage, command in commands:
        text = Text(f"{STAGE}{stage}:", style="dim")
        for line in command.shown.strip().splitlines():  # a secret shows masked
            text.append_text(command_lines(visible(line), width))
        stages.append((stage, text))
    return stages


def command_lines(line: str, width: int = 0) -> Text:
    """A command line after `    $ `; longer than `width` (the text's width on screen, once
    known), it goes on under its own start, never from the dialog's left edge."""
    text = Text()
    room = width - len(COMMAND)  # narrower than 20: not folded, it scrolls
    for i, part in enumerate(folded(line, room) if room >= 20 else [line]):
        text.append(f"\n{COMMAND if i == 0 else ' ' * len(COMMAND)}{part}")
    return text


def strategy_text(
    strategy: Strategy,
    chosen: dict[str, str],
    hosts: int,
    undo: bool,
    held: RolloutHeld | None = None,
    probes: list[str] | None = None,
    host_probes: list[str] | None = None,
    resolved: str = "",
    own: bool = False,
    checked: bool = False,
    unfinished: list[str] | None = None,
    asides: Mapping[str, Aside] | None = None,
) -> StrategySaid:
    """What a strategy step does, in words, around the commands it sends. First what it
    is and the values it sends: the strategy, where it runs if not on the hosts, what a
    symbolic parameter was `resolved` to on the hosts (`checked`: whether a value named
    outright is there), or, for a step with a strategy of its `own`, that nobody asked;
    what a recovery brings the data back to; the parameters chosen, however many, those
    given before the defaults. Then how it goes: its waves, its failure threshold, its
    stages (a gradual re-enable `held` goes on with its next stage; the `probes` read
    after each, `system/probe`; between waves, the `host_probes` that read each host
    alone), and what it does (its description). An undo says neither the description nor
    the parameters (they say where the action went): what its undo commands do instead
    (where the action did not finish, `unfinished`, what they do there), in the strategy's
    waves and under its failure threshold as the step (no probes read between them); a
    restore's undo, what it sets aside on each host, as the hosts said it (`asides`), first
    in sight, and what it does where it sets nothing aside."""
    first = _first(strategy, chosen, undo, resolved, own, checked, asides or {})
    then = _then(
        strategy, chosen, hosts, undo, held, probes, host_probes, unfinished or [], asides or {}
    )
    return StrategySaid(first, then)


def _first(
    strategy: Strategy,
    chosen: dict[str, str],
    undo: bool,
    resolved: str,
    own: bool,
    checked: bool,
    asides: Mapping[str, Aside],
) -> Text:
    kind = strategy.kind.value
    called = strategy.name if strategy.name == kind else f"{strategy.name} ({kind})"
    text = Text.assemble(("Undoes: " if undo else "Strategy: ", "bold"), called)
    if asides:  # in sight first: what goes aside, or what it does instead, on each host
        lost = bool(discarding(asides))
        text.append("\nSets aside: ", style="bold").append(
            asides_said(asides), style="bold" if lost else ""
        )
    if strategy.runs_on is RunsOn.JUMP_HOST:  # its commands name no host's shell: say where
        on_hosts = (
            "its health check runs on each host over SSH"
            if strategy.commands.health and not undo
            else "nothing is sent to the hosts"
        )
        text.append("\nRuns on: ", style="bold").append(
            f"this jump host, in the console's environment, once for each host; {on_hosts}"
        )
    if resolved:
        label = "Checked" if checked else "Resolved"
        text.append(f"\n{label}: ", style="bold").append(visible(resolved))
    elif own and not undo and (r := strategy.resolver()) and chosen.get(r.param) == r.symbolic:
        text.append("\nNot resolved: ", style="bold").append(
            f"{r.param}={r.symbolic} is not asked of the hosts first (a step with a strategy"
            " of its own): each host's precheck resolves it alone"
        )
    if undo:
        return text
    if to := strategy.recovers_to(chosen):  # a recovery's target
        text.append("\nRecovers to: ", style="bold").append(visible(to))
    defaults = {p.name: p.default or "" for p in strategy.params}  # none: nothing set
    given, said = given_first(chosen, defaults), said_params(chosen, defaults)
    count = f" ({said})" if said > 1 else ""
    text.append(f"\nWith{count}: ", style="bold").append(given or "its parameters' defaults")
    return text


def _then(
    strategy: Strategy,
    chosen: dict[str, str],
    hosts: int,
    undo: bool,
    held: RolloutHeld | None,
    probes: list[str] | None,
    host_probes: list[str] | None,
    unfinished: list[str],
    asides: Mapping[str, Aside],
) -> Text:
    w = strategy.waves
    sizes = w.plan(hosts)
    if len(sizes) > 1:
        waves = sizes_said(sizes)
        if w.pause_seconds:
            waves += f", {w.pause_seconds:g} s apart"
        if host_probes and not undo:
            read = "the probes read after each on the hosts that succeeded so far"
            read += f" ({named(host_probes)}"
            waves += f", {read}; one not healthy halts it)"
        if w.confirm:
            waves += ", your yes before each next one"
    else:
        waves = sizes_said(sizes or [hosts])
    text = Text.assemble(("Waves: ", "bold"), waves)
    if strategy.max_fail_percentage is not None and hosts > 1:  # a line of its own: never
        text.append("\nFailures: ", style="bold").append(  # "N%": one word, never split
            f"no more hosts start once over {strategy.max_fail_percentage:g}% have failed"
        )
    stepping = STRATEGY_KINDS[strategy.kind].stepping
    if stepping is not None and not undo:  # a gradual re-enable: every host in every stage
        values = stepping.values(chosen)[held.index if held else 0 :]
        stages = ", ".join(f"{v}{stepping.unit}" for v in values)
        if held:
            stages = f"held at {held.percent}%, goes on with {stages}"
        stages += ", each checked on every host before the next"
        if w.pause_seconds:
            stages += f", {w.pause_seconds:g} s apart"
        if probes:
            when = "first and after each" if held else "after each"
            stages += f", the probes read {when} ({named(probes)}; one not healthy holds it)"
        if w.confirm:
            stages += ", your yes before each next one"
        text.append("\nStages: ", style="bold").append(stages)
    jump_host = strategy.runs_on is RunsOn.JUMP_HOST
    if undo:  # a flag service's, from here: the hosts hold none of it
        where = "from here, once for each host" if jump_host else "on each host"
        does = migration_undone(strategy, where) or (
            f"its undo puts back what the action changed {where}"
        )
        if strategy.kind in RECOVERIES:  # read as a clean-up, it would bring the bad data back
            # where it sets nothing aside, what it does instead there, as the host said it
            otherwise = {h: a.words for h, a in asides.items() if not a.kept and not a.unasked}
            does = recovery_undone(strategy, where, hosts, unfinished, otherwise)
        text.append("\nDoes: ", style="bold").append(does)
    elif does := strategy.described(chosen):
        # as the picker and the checklist say it: `code` in bold, not its backticks
        text.append("\nDoes: ", style="bold").append_text(prose(does))
    return text
