"""What a strategy step's symbolic parameter (migration-reversal's `target = previous`)
stands for on each host, asked before the commander's yes: the confirmation names the
version the step will run against, and the run then goes with that version itself.

The preset's resolve command reads the host and writes nothing there (no `.rollback/`,
no plan): a no leaves the host as it was. Like a probe, it is read, not journalled; what
the commander confirmed goes into the record with the run (the strategy chosen again
with the value)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.engine.errors import ProcedureError
from console.engine.failures import HostFailure, said_once, ssh_errors, ssh_timeout
from console.engine.plan import Secrets, host_command, plan_step, strategy_params
from console.engine.ssh import SshPool, Target, targets_for
from console.engine.steps import PerHost, per_host
from console.journal.redact import MASK
from console.model.alike import grouped
from console.model.presets.base import RESOLVED
from console.model.procedure import StepKind
from console.model.status import NOTHING_TO_DO
from console.model.stderr_lines import telling
from console.model.visible import visible
from console.model.waves import named_some

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.model.presets.base import Resolve
    from console.model.strategies import Strategy


@dataclass(frozen=True)
class Resolved:
    """`param = symbolic` on each host: the value and the words of those that resolved
    it, why for those that could not (unreachable, or the precheck would fail there: the
    others go on), and those where there is nothing to do (exit 120: rolled back already;
    the precheck refuses them as needed nothing, and the others go on). `per_host`: each
    host's value is its own (the git preset's commit ids): said host by host, never
    pinned, differing as they may; but what each holds (`same`: the content of the git
    preset's paths) must be alike, or the step stops."""

    param: str
    symbolic: str
    values: dict[str, str]
    said: dict[str, str]
    refused: dict[str, str]
    nothing: dict[str, str] = field(default_factory=dict)
    per_host: bool = False
    # what each host's value holds (`same=`: the git preset's content of the paths)
    same: dict[str, str] = field(default_factory=dict)

    @property
    def value(self) -> str | None:
        """The one value every host that resolved it gave; None if any could not, or they
        differ."""
        found = set(self.values.values())
        return found.pop() if len(found) == 1 else None

    @property
    def pinned(self) -> dict[str, str]:
        """The parameter with its one value, for the run; empty if there is none, or where
        some host has nothing to do or did not answer: pinned, that value would be a
        release named on them, and their precheck would take them to it (seen: a host
        rolled back to 1.1 already, its peers resolving previous to 1.0). Never a value of
        each host's own."""
        value = self.value
        if self.per_host or value is None or self.nothing or self.refused:
            return {}
        return {self.param: value}

    def shown(self) -> str:
        """For the confirmation: `target=previous is 1 (db-1: schema version 2 down to 1,
        reversing 000002_note.down.sql)`, hosts that said alike together; then those with
        nothing to do. A value of each host's own, host by host: `revision=previous on
        edge-1: nginx 4840370 ... → 08c022d ... (1 file changed); edge-2: ...`."""
        if self.per_host:
            said = f"{self.param}={self.symbolic} on {_alike(self.said, None)}"
        else:
            said = f"{self.param}={self.symbolic} is {self.value} ({_alike(self.said)})"
        if self.nothing:
            said += f"; nothing to do, refused at their precheck: {_alike(self.nothing)}"
        if self.refused:
            said += f"; not resolved, their precheck decides: {_alike(self.refused)}"
        return said

    def problem(self, again: str = "") -> str:
        """Why the step cannot be confirmed with one value: '' when it can. `again`: how to
        go on where the console's words (choose the strategy again) are of no use
        (headless: `--param target=VALUE`, `--hosts`)."""
        naming = f"choose the strategy again naming {self.param}"
        # A host that could not resolve it (unreachable, or its precheck would fail there)
        # stops it only when no host could: the others go on as before, each host's
        # precheck deciding (seen: one host down held up the rollback of the rest).
        if self.refused and not self.values:
            host, why = next(iter(self.refused.items()))
            more = f" (and {len(self.refused) - 1} more host(s))" if len(self.refused) > 1 else ""
            said = f"{self.param}={self.symbolic} could not be resolved on {host}{more}: {why}"
            if self.nothing:  # the others rolled back already: said, not left to guess
                said += f"; nothing to do, refused at their precheck: {_alike(self.nothing)}"
            return said + (f"; {again}" if again else "")
        if not self.values and self.nothing:
            return (
                f"{self.param}={self.symbolic}: nothing to do on any host ({_alike(self.nothing)}):"
                f" skip the step, or {again or naming}"
            )
        if self.value is None and not self.per_host:
            return (
                f"{self.param}={self.symbolic} stands for different values on the hosts"
                f" ({_by_value(self.values)}): {again or naming + ', or run it on fewer hosts'}"
            )
        if len(set(self.same.values())) > 1:  # each host's own value, not the same content
            return (
                f"{self.param}={self.symbolic} would restore different content on the hosts"
                f" ({_by_content(self.same, self.said)}): name the one to restore"
                f" (a commit or tag every host has), {again or naming + ', or run it on fewer hosts'}"
            )
        return ""


VALUES_SHOWN = 3  # values named, the most hosts first; the others counted


def _by_value(values: dict[str, str]) -> str:
    """`2.9.1 on web-1, web-2, web-3 +196 more; 2.8.0 on web-4`: each value and a few of
    its hosts, the most hosts first (200 hosts named one by one filled the toast and the
    run's last line), values beyond the first few counted."""
    groups = sorted(grouped(values), key=lambda group: -len(group[0]))
    said = "; ".join(f"{v} on {named_some(h, 3)}" for h, v in groups[:VALUES_SHOWN])
    if rest := groups[VALUES_SHOWN:]:
        said += f"; {len(rest)} other values on {sum(len(h) for h, _ in rest)} hosts"
    return said


def _by_content(same: dict[str, str], said: dict[str, str]) -> str:
    """`edge-1, edge-3: nginx 4840370 ... → 08c022d ... (2 files changed), as on edge-1;
    edge-2: ...`: hosts whose value holds the same content together, the most first, each
    content said as its first host said it (its commit ids are that host's own)."""
    groups = sorted(grouped(same), key=lambda group: -len(group[0]))

    def words(hosts: list[str]) -> str:
        as_on = f", as on {hosts[0]}" if len(hosts) > 1 else ""
        return f"{named_some(hosts, 3)}: {said[hosts[0]]}{as_on}"

    said_ = "; ".join(words(hosts) for hosts, _ in groups[:VALUES_SHOWN])
    if rest := groups[VALUES_SHOWN:]:
        said_ += f"; {len(rest)} other contents on {sum(len(h) for h, _ in rest)} hosts"
    return said_


def _alike(said: dict[str, str], shown: int | None = VALUES_SHOWN) -> str:
    """`web-1, web-2, web-3 +7 more: release 1.2 to 1.1; web-11: ...`: hosts that said the
    same together (200 hosts named one by one filled the dialog), the most first; beyond
    `shown` of those, the other hosts named a few (16 hosts whose sshd was down, each
    refused at its own port, filled the run's line). None: every host's words (each
    host's own value, which the commander confirms)."""
    groups = grouped(said)
    if shown is None:
        return "; ".join(f"{named_some(h, 3)}: {w}" for h, w in groups)
    groups = sorted(groups, key=lambda group: -len(group[0]))
    words = "; ".join(f"{named_some(h, 3)}: {w}" for h, w in groups[:shown])
    if rest := [host for hosts, _ in groups[shown:] for host in hosts]:
        words += f"; {len(rest)} more ({named_some(rest, 3)})"
    return words


def resolver_for(conductor: Conductor, step_id: str) -> tuple[Strategy, Resolve] | None:
    """The chosen strategy of a strategy step and its resolve, when its symbolic value is
    the one chosen (`target = previous`); else None: nothing to resolve."""
    step, state = conductor.step(step_id), conductor.state
    name = state.strategy
    # the chosen strategy only: a step naming its own runs with its defaults, chosen by no one
    if step.kind is not StepKind.STRATEGY or not name or (step.strategy or name) != name:
        return None
    strategy = conductor.settings.strategy(name)
    resolver = strategy.resolver()
    if resolver is None:
        return None
    params = strategy_params(state, name, strategy, conductor.secrets)
    return (strategy, resolver) if params.get(resolver.param) == resolver.symbolic else None


async def resolve(
    conductor: Conductor, step_id: str, only_hosts: list[str] | None = None
) -> Resolved | None:
    """What the step's symbolic parameter stands for on its hosts (or those named); None
    when it has none to resolve (another kind, or a value given outright)."""
    found = resolver_for(conductor, step_id)
    if found is None:
        return None
    strategy, resolver = found
    state, secrets = conductor.state, conductor.secrets
    params = strategy_params(state, strategy.name, strategy, secrets)
    targets = targets_for(conductor.settings.inventory, _asked(conductor, strategy, only_hosts))
    timeout = _command_timeout(conductor, strategy)
    asks = [
        (t, host_command(state, resolver.command, t, params, secrets.redact).sent) for t in targets
    ]
    found_on = await asyncio.gather(
        *(_ask(conductor.pool, t, sent, timeout, resolver.param) for t, sent in asks)
    )
    values = {h: v for h, v, _, how, _ in found_on if how == RESOLVED_ON and v}
    said = {h: s for h, _, s, how, _ in found_on if how == RESOLVED_ON}
    refused = {h: s for h, _, s, how, _ in found_on if how == REFUSED_ON}
    nothing = {h: s for h, _, s, how, _ in found_on if how == NOTHING_ON}
    same = {h: c for h, v, _, how, c in found_on if how == RESOLVED_ON and v and c}
    symbolic, per = resolver.symbolic, resolver.per_host
    return Resolved(resolver.param, symbolic, values, said, refused, nothing, per, same)


def _asked(conductor: Conductor, strategy: Strategy, only_hosts: list[str] | None) -> list[str]:
    """The hosts asked: the incident's (or those named) whose system lists the strategy."""
    state, inventory = conductor.state, conductor.settings.inventory
    return [
        h
        for h in state.hosts
        if (only_hosts is None or h in only_hosts)
        and strategy.name in inventory.system(state.hosts[h]).strategies
    ]


def _command_timeout(conductor: Conductor, strategy: Strategy) -> float:
    return strategy.timeout or conductor.settings.inventory.ssh.command_timeout


def asking(
    conductor: Conductor,
    step_id: str,
    only_hosts: list[str] | None = None,
    before: str = "the confirmation",
) -> tuple[str, float]:
    """What the console says while it asks the hosts (`before` what), and the longest
    that can take: a host that does not answer (one that takes the connection and never
    finishes SSH, or whose command hangs) holds up the question until its timeouts have
    passed, as configured, and is then named with why. ('', 0) when there is nothing to
    resolve."""
    found = resolver_for(conductor, step_id)
    if found is None:
        return "", 0.0
    strategy, resolver = found
    ssh = conductor.settings.inventory.ssh
    reach, command = ssh.connect_timeout + ssh.login_timeout, _command_timeout(conductor, strategy)
    hosts = len(_asked(conductor, strategy, only_hosts))
    said = (
        f"Asking {hosts} host(s) what {resolver.param}={resolver.symbolic} is, before"
        f" {before}: nothing is changed there. A host that does not answer is named once"
        f" its timeouts have passed: {reach:g} s to connect and log in, {command:g} s for"
        " the command."
    )
    return said, reach + command


RESOLVED_ON, NOTHING_ON, REFUSED_ON = "resolved", "nothing to do", "refused"
# How to go on, where hosts do not give one value: headless `run`, and a scenario's drill
# (which takes no --param: its parameters are fixed in drills.toml).
RUN_NAMING = "run again naming it (--param {param}=VALUE), or on fewer hosts (--hosts)"
DRILL_NAMING = "name it in the scenario's params in drills.toml ({param} = VALUE)"


async def _ask(
    pool: SshPool, target: Target, command: str, timeout: float, param: str
) -> tuple[str, str, str, str, str]:
    """(host, value, words, how it ended: RESOLVED_ON, NOTHING_ON or REFUSED_ON, what the
    value holds: `same=`, if said)."""
    try:
        result = await pool.run(target, command, timeout)
    except HostFailure as failure:
        return target.name, "", said_once(failure.failure, failure.detail), REFUSED_ON, ""
    except ssh_timeout():
        return target.name, "", f"no answer within {timeout:g} s", REFUSED_ON, ""
    except ssh_errors() as exc:
        return target.name, "", f"connection lost: {exc}", REFUSED_ON, ""
    if result.exit_status != 0:
        err = str(result.stderr or "").strip().splitlines()
        said = visible((telling(err) or f"exit {result.exit_status}").strip(), one_line=True)
        how = NOTHING_ON if result.exit_status == NOTHING_TO_DO else REFUSED_ON
        return target.name, "", said, how, ""
    for line in str(result.stdout or "").splitlines():
        if (m := RESOLVED.match(line.strip())) and m.group(1) == param:
            value, same, words = m.group(2), m.group(3), visible(m.group(4), one_line=True)
            return target.name, value, words, RESOLVED_ON, same or ""
    return target.name, "", f"its resolve printed no `resolved {param}=...` line", REFUSED_ON, ""


async def _unless_aborted(
    conductor: Conductor, asking: Coroutine[Any, Any, Resolved | None]
) -> Resolved | None:
    """What the hosts answer, or None once an abort (Ctrl+C, TERM) comes first: a hung
    host held the question, and the abort, up to its timeouts (300 s by default), and
    a drill's faults waited that long for their undo. The question writes nothing: its
    commands are let go; the caller sends nothing more."""
    answer = asyncio.ensure_future(asking)
    aborted = asyncio.ensure_future(conductor.runner.abort_signal.wait())
    try:
        await asyncio.wait({answer, aborted}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        aborted.cancel()
        if not answer.done():  # aborted (or this task cancelled): the question let go
            answer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await answer
    return None if answer.cancelled() else answer.result()


def pinned_params(conductor: Conductor, pinned: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The chosen strategy's parameters as given, with `pinned` in place."""
    name = conductor.state.strategy or ""
    given = conductor.secrets.given
    base = (
        dict(given[1]) if given is not None and given[0] == name else dict(conductor.state.params)
    )
    if any(MASK in v for k, v in base.items() if k not in pinned):
        raise ProcedureError(
            "a parameter is masked in the journal (a secret): choose the strategy again and give it"
        )
    return name, {**base, **pinned}


def preview_pinned(conductor: Conductor, step_id: str, pinned: dict[str, str]) -> PerHost:
    """Every command the step would send with `pinned` in place of the chosen values:
    what the confirmation shows, and what the run sends once they are chosen."""
    name, values = pinned_params(conductor, pinned)
    secrets = Secrets(conductor.secrets.redact, (name, values))
    step = conductor.step(step_id)
    return per_host(plan_step(conductor.settings, conductor.state, step, None, None, secrets))


def pin(conductor: Conductor, pinned: dict[str, str]) -> None:
    """The commander said yes to the resolved value: the strategy is chosen again with it
    (journalled), and the run goes with it."""
    name, values = pinned_params(conductor, pinned)
    conductor.choose_strategy(name, values)


async def resolve_unattended(
    conductor: Conductor,
    step_id: str,
    only_hosts: list[str] | None = None,
    systems: list[str] | None = None,
    naming: str = RUN_NAMING,
) -> str:
    """Headless `run` and `drill`, before a strategy step (on `only_hosts`, the strategy
    chosen for `systems`: a drill's part): what its symbolic value stands for, asked of
    its hosts as the console asks before its confirmation, so that all give the same
    result. Where they agree, the strategy is chosen again with the value (journalled, as
    the console's yes does) and a note says it (`Resolved: ...`); hosts with nothing to
    do keep it as it was, as there. '' to run the step; else the problem, with `naming`
    (how to go on), noted in the step (the document says why): nothing is sent for it.
    Nothing to do on any host runs it as before: its prechecks refuse it there, nothing
    changed (exit 3). `conductor.waiting` hears what it waits on first: a hung host
    holds it up for its timeouts, and a run at a terminal said nothing meanwhile."""
    if conductor.waiting is not None:
        with contextlib.suppress(ProcedureError):  # the step refuses it as below
            if words := asking(conductor, step_id, only_hosts, "the step runs")[0]:
                conductor.waiting(step_id, words)
    try:
        found = await _unless_aborted(conductor, resolve(conductor, step_id, only_hosts))
    except ProcedureError:
        return ""  # the step refuses it as before, saying why
    if found is None or not (found.values or found.refused):
        return ""
    naming = naming.format(param=found.param)
    problem = found.problem(f"fix it there, or {naming}" if found.refused else naming)
    chosen = None
    if not problem and found.pinned:
        try:
            chosen = pinned_params(conductor, found.pinned)
        except ProcedureError as exc:  # a secret masked in the journal: it cannot be chosen
            problem = str(exc)
    if problem:
        said = f"“{conductor.step(step_id).title}” not started, nothing sent: {problem}"
        conductor.note(said, step_id)
        return said
    conductor.note(f"Resolved: {found.shown()}", step_id)
    if chosen is not None:  # as the console's yes: chosen again with it, journalled
        conductor.choose_strategy(*chosen, systems)
    return ""
