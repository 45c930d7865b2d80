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
import re
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from console.engine.asked_fresh import answered, asked_again
from console.engine.errors import ProcedureError
from console.engine.failures import HostFailure, said_once, ssh_errors, ssh_timeout
from console.engine.plan import Secrets, host_command, plan_step, strategy_params
from console.engine.resolved import Resolved
from console.engine.ssh import SshPool
from console.engine.steps import PerHost, per_host
from console.engine.targets import Target, targets_for
from console.journal.redact import MASK
from console.model.events import Kind
from console.model.presets.base import RESOLVED, STAYS
from console.model.procedure import StepKind
from console.model.status import NOTHING_TO_DO
from console.model.stderr_lines import telling
from console.model.visible import visible

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.model.presets.base import Resolve
    from console.model.strategies import Strategy


def resolver_for(
    conductor: Conductor, step_id: str, named: bool = False
) -> tuple[Strategy, Resolve] | None:
    """The chosen strategy of a strategy step and its resolve, when its symbolic value is
    the one chosen (`target = previous`), or (`named`) a value named outright that its
    resolve checks (`revision = 0001`); else None: nothing to ask."""
    step, state = conductor.step(step_id), conductor.state
    name = state.strategy
    # the chosen strategy only: a step naming its own runs with its defaults, chosen by no one
    if step.kind is not StepKind.STRATEGY or not name or (step.strategy or name) != name:
        return None
    strategy = conductor.settings.strategy(name)
    resolver = strategy.resolver()
    if resolver is None:
        return None
    value = strategy_params(state, name, strategy, conductor.secrets).get(resolver.param)
    if value == resolver.symbolic or (named and resolver.checks_named and value):
        return strategy, resolver
    return None


async def resolve(
    conductor: Conductor, step_id: str, only_hosts: list[str] | None = None
) -> Resolved | None:
    """What the step's symbolic parameter stands for on its hosts (or those named); None
    when it has none to resolve (another kind, or a value given outright that its resolve
    does not check)."""
    found = resolver_for(conductor, step_id, named=True)
    if found is None:
        return None
    strategy, resolver = found
    state, secrets = conductor.state, conductor.secrets
    params = strategy_params(state, strategy.name, strategy, secrets)
    at = conductor.recorder.clock.now().isoformat(timespec="seconds")  # as the record's times
    targets = targets_for(conductor.settings.inventory, _asked(conductor, strategy, only_hosts))
    timeout = _command_timeout(conductor, strategy)
    asks = [
        (t, host_command(state, resolver.command, t, params, secrets.redact).sent) for t in targets
    ]
    found_on = await asyncio.gather(
        *(_ask(conductor.pool, t, sent, timeout, resolver.param) for t, sent in asks)
    )
    stays = {h: c for h, _, _, how, c, _ in found_on if how == NOTHING_ON and c}
    values = {h: v for h, v, _, how, _, _ in found_on if how == RESOLVED_ON and v}
    said = {h: s for h, _, s, how, _, _ in found_on if how == RESOLVED_ON}
    refused = {h: s for h, _, s, how, _, _ in found_on if how in (REFUSED_ON, UNREACHED)}
    answered = frozenset(h for h, _, _, how, _, _ in found_on if how == REFUSED_ON)
    nothing = {h: s for h, _, s, how, _, _ in found_on if how == NOTHING_ON}
    same = {h: c for h, v, _, how, c, _ in found_on if how == RESOLVED_ON and v and c}
    current = {h: f for h, v, _, how, _, f in found_on if how == RESOLVED_ON and v and f}
    asked, per = params.get(resolver.param, ""), resolver.per_host
    confirmed = params.get(resolver.holds, "") if resolver.holds else ""
    return Resolved(
        resolver.param,
        asked,
        values,
        said,
        refused,
        nothing,
        per,
        same,
        stays,
        resolver.holds,
        confirmed,
        current,
        given=asked != resolver.symbolic,
        refused_there=answered,
        asked_at=at,
    )


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
    found = resolver_for(conductor, step_id, named=True)
    if found is None:
        return "", 0.0
    strategy, resolver = found
    ssh = conductor.settings.inventory.ssh
    reach, command = ssh.connect_timeout + ssh.login_timeout, _command_timeout(conductor, strategy)
    hosts = len(_asked(conductor, strategy, only_hosts))
    value = strategy_params(conductor.state, strategy.name, strategy, conductor.secrets).get(
        resolver.param
    )
    what = (
        f"what {resolver.param}={resolver.symbolic} is"
        if value == resolver.symbolic
        else f"whether {resolver.param}={value} is there to go to"
    )
    said = (
        f"Asking {hosts} host(s) {what}, before"
        f" {before}: nothing is changed there. A host that does not answer is named once"
        f" its timeouts have passed: {reach:g} s to connect and log in, {command:g} s for"
        " the command."
    )
    return said, reach + command


RESOLVED_ON, NOTHING_ON, REFUSED_ON = "resolved", "nothing to do", "refused"
UNREACHED = "not asked"  # refused too: the host was not reached, or did not answer
# How to go on, where hosts do not give one value: headless `run`, and a scenario's drill
# (which takes no --param: its parameters are fixed in drills.toml).
RUN_NAMING = "run again naming it (--param {param}=VALUE), or on fewer hosts (--hosts)"
DRILL_NAMING = "name it in the scenario's params in drills.toml ({param} = VALUE)"


async def _ask(
    pool: SshPool, target: Target, command: str, timeout: float, param: str
) -> tuple[str, str, str, str, str, str]:
    """(host, value, words, how it ended: RESOLVED_ON, NOTHING_ON, REFUSED_ON (by the host's
    command) or UNREACHED, what the
    value holds: `same=`, if said, what the host is on now: `from=`, if said)."""
    try:
        result = await pool.run(target, command, timeout)
    except HostFailure as failure:
        return target.name, "", said_once(failure.failure, failure.detail), UNREACHED, "", ""
    except ssh_timeout():
        return target.name, "", f"no answer within {timeout:g} s", UNREACHED, "", ""
    except ssh_errors() as exc:
        return target.name, "", f"connection lost: {exc}", UNREACHED, "", ""
    if result.exit_status != 0:
        err = str(result.stderr or "").strip().splitlines()
        said = visible((telling(err) or f"exit {result.exit_status}").strip(), one_line=True)
        if result.exit_status != NOTHING_TO_DO:
            return target.name, "", said, REFUSED_ON, "", ""
        stays = (m.group(1) for s in str(result.stdout or "").splitlines() if (m := STAYS.match(s)))
        return target.name, "", said, NOTHING_ON, next(stays, ""), ""
    for line in str(result.stdout or "").splitlines():
        if (m := RESOLVED.match(line.strip())) and m.group(1) == param:
            value, same, was = m.group(2), m.group(3), m.group(4)
            words = visible(m.group(5), one_line=True)
            return target.name, value, words, RESOLVED_ON, same or "", visible(was or "")
    no_line = f"its resolve printed no `resolved {param}=...` line"
    return target.name, "", no_line, REFUSED_ON, "", ""


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


def _refused_hint(conductor: Conductor, found: Resolved, naming: str) -> str:
    """How to go on where hosts refused: naming the value (or fewer hosts; a value named
    outright, refused, another one), unless a
    refusal is about another of the strategy's parameters, as its words name it (`no table
    orderz in database shop (named in tables)`): they say what to correct, and naming
    the value would change nothing. Nor would it where the database's lock stopped the
    read (PostgreSQL's `canceling statement due to lock timeout`): its holder is what
    to wait for, or end, as the host's words say when they name it; nor where psql could
    not connect (`cannot connect to database shop: ... does not exist`, a wrong port, the
    server down): the connection, as psql's reason says, is what to correct."""
    shown = next(iter(found.refused.values()), "")  # the refusal the problem quotes
    if _LOCK_TIMEOUT in shown:
        return "" if _HOLDER_NAMED in shown else _LOCK_AGAIN
    if shown.startswith(_NO_CONNECTION):
        return ""
    strategy = conductor.settings.strategy(conductor.state.strategy or "")
    others = {p.name for p in strategy.params} - {found.param}
    named = {m.group(1) for words in found.refused.values() for m in _NAMED_PARAM.finditer(words)}
    if named & others:
        return ""
    return naming if found.given else f"fix it there, or {naming}"


_NAMED_PARAM = re.compile(r"\((?:named in )?([a-z_]+)\)")
# PostgreSQL's words for a read that gave up on a lock, and the presets' end of them when
# they found who holds it (lock_holders in console/model/presets/pgshell.py)
_LOCK_TIMEOUT, _HOLDER_NAMED = "lock timeout", "end it, or retry once it is done"
# The presets' words where psql could not reach the database (reach in pgshell.py)
_NO_CONNECTION = "cannot connect to database "
_LOCK_AGAIN = (
    "a session held the lock it waited for (none was named holding it afterwards): run it"
    " again as it was once the lock is free; naming another value would wait for the same lock"
)


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


def record_resolved(conductor: Conductor, step_id: str, found: Resolved) -> None:
    """What the hosts said, as confirmed (the console's yes; headless, before the step;
    `run --param`, as the incident opens), and when they were asked: a `strategy.resolved`,
    whose groups the summary, the document and the closed incident's line read (the
    release gone back to, and from which: a note's words said it before, headless only,
    and nothing after a resume), and whose time of asking says whether they are fresh
    (console/engine/asked_fresh.py: a command sent between the asking and the yes too)."""
    step = conductor.step(step_id)
    conductor.recorder.record(
        Kind.STRATEGY_RESOLVED,
        step=step_id,
        title=step.title,
        strategy=conductor.state.strategy or "",
        **found.recorded(),
        **({"asked_at": found.asked_at} if found.asked_at else {}),
    )


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
    the console's yes does) and `strategy.resolved` says it, as there (a value named
    outright: whether it is there, recorded the same); hosts with nothing to do keep it as
    it was, as there. '' to run the step; else the problem, with `naming` (how to go on),
    noted in the step (the document says why): nothing is sent for it. Nothing to do on
    any host runs it as before: its prechecks refuse it there, nothing changed (exit 3)."""
    found = await ask_unattended(conductor, step_id, only_hosts)
    if found is None:
        return ""
    said = refusal(conductor, step_id, found, naming)
    chosen = None
    if not said and found.pinned:
        try:
            chosen = pinned_params(conductor, found.pinned)
        except ProcedureError as exc:  # a secret masked in the journal: it cannot be chosen
            said = f"“{conductor.step(step_id).title}” not started, nothing sent: {exc}"
    if said:
        conductor.note(said, step_id)
        return said
    record_resolved(conductor, step_id, found)  # its line says it: no note besides
    if chosen is not None:  # as the console's yes: chosen again with it, journalled
        conductor.choose_strategy(*chosen, systems)
    return ""


async def ask_unattended(
    conductor: Conductor, step_id: str, only_hosts: list[str] | None = None
) -> Resolved | None:
    """The hosts' answers for the step, asked now; None where none is wanted (nothing to
    resolve, an abort came first, or no host answered a value) or none asked: a value named
    outright whose answers this incident recorded are fresh (console/engine/asked_fresh.py).
    `conductor.waiting` hears what it waits on first, and why it asks again if it does:
    a hung host holds it up for its timeouts, and a run at a terminal said nothing
    meanwhile."""
    again = _asked_again(conductor, step_id, only_hosts)
    if again == "":
        return None  # answered in this incident, nothing sent since to change it
    if conductor.waiting is not None:
        with contextlib.suppress(ProcedureError):  # the step refuses it as below
            if words := asking(conductor, step_id, only_hosts, "the step runs")[0]:
                conductor.waiting(step_id, words + (f" Asked again: {again}." if again else ""))
    try:
        found = await _unless_aborted(conductor, resolve(conductor, step_id, only_hosts))
    except ProcedureError:
        return None  # the step refuses it as before, saying why
    return found if found is not None and (found.values or found.refused) else None


def refusal(conductor: Conductor, step_id: str, found: Resolved, naming: str) -> str:
    """`“Restore previous version” not started, nothing sent: ...` where the answers give
    no one value to run with, with `naming` (how to go on); '' where they do."""
    naming = naming.format(param=found.param)
    problem = found.problem(_refused_hint(conductor, found, naming) if found.refused else naming)
    return (
        f"“{conductor.step(step_id).title}” not started, nothing sent: {problem}" if problem else ""
    )


def _asked_again(conductor: Conductor, step_id: str, only_hosts: list[str] | None) -> str | None:
    """Why the step's hosts are asked again of a value named outright, '' where its answers
    in this incident are fresh, None where none are (asked as ever)."""
    with contextlib.suppress(ProcedureError):  # the step refuses it as below
        if (found := resolver_for(conductor, step_id, named=True)) is not None:
            strategy, resolver = found
            params = strategy_params(conductor.state, strategy.name, strategy, conductor.secrets)
            asked = (strategy.name, resolver.param, params.get(resolver.param, ""))
            hosts = _asked(conductor, strategy, only_hosts)
            events, procedure = conductor.recorder.events, conductor.settings.procedure
            return asked_again(events, procedure, step_id, asked, hosts)
    return None


def on_record(
    conductor: Conductor, step_id: str, only_hosts: list[str] | None = None
) -> tuple[Resolved | None, str]:
    """Before the console asks the step's hosts (ui/resolve_first.py): the answers this
    incident recorded for it where they are fresh, to go with as headless `run` does
    (the confirmation says them, and when they were asked), else None and why the hosts
    are asked again ('' where nothing of the kind is on record)."""
    again = _asked_again(conductor, step_id, only_hosts)
    found = resolver_for(conductor, step_id, named=True) if again == "" else None
    if found is None:
        return None, again or ""
    hosts = _asked(conductor, found[0], only_hosts)
    return answered(conductor.recorder.events, step_id, hosts), ""
