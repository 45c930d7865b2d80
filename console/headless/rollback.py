"""`run`: the procedure walked headless, its events printed (or one JSON document)."""

from __future__ import annotations

import asyncio
import shlex
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from console.engine.closing import TAKE_OVER, unknown_why
from console.engine.conductor import Conductor, new_incident_id
from console.engine.errors import ProcedureError
from console.engine.host_trust import check_host_keys
from console.engine.named_first import named_first
from console.engine.routes import refuse_unroutable
from console.engine.session import Engine
from console.engine.ssh import SshPool
from console.engine.walk import RunRequest, check_request, walk
from console.headless.common import (
    EXIT_FAILED,
    EXIT_HUNG_UP,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNKNOWN,
    EXIT_USAGE,
    INTERRUPTED,
    EventPrinter,
    RunOptions,
    accept_hint,
    driving,
    hung_up,
    journal_dir,
    print_json,
    reachable,
    refusal_as_json,
    say_waits,
    signals_cancel,
)
from console.headless.config_changed import say_config_changed
from console.journal.files import JOURNAL_NAME
from console.journal.results import drill_findings, integrity_said, run_result
from console.journal.times import minutes
from console.model.alike import grouped
from console.model.integrity_judged import restored_to
from console.model.invocation import again
from console.model.left_changed import left_changed, not_started
from console.model.outcome import Outcome, kept_at_close
from console.model.probe_text import sample_text
from console.model.procedure import StepKind
from console.model.recovery import NO_CHECK, TARGET_EXCEEDED
from console.model.settings import Settings
from console.model.state import HostStatus, StepStatus
from console.model.status import FailureClass
from console.model.visible import visible
from console.model.waves import named_some

SHOWN = 5  # hosts named on a line of those whose last step did not succeed; the rest counted

if TYPE_CHECKING:  # the demo fleet is imported when a command uses it
    from console.demo.faults import Fault


async def run_rollback(
    settings: Settings, request: RunRequest, faults: list[Fault], options: RunOptions
) -> int:
    made: list[Conductor] = []  # the incident, once its journal exists
    command = "drill" if options.drill else "run"

    def journal() -> Path | None:
        return made[0].recorder.path if made else None

    async with reachable(settings, faults, options.demo) as settings:
        with refusal_as_json(command, options.json, journal):
            # Validate fully and take the locks before the journal exists: nothing
            # half-checked is recorded, and a refusal leaves no incident behind.
            check_request(settings, request)
            engine = Engine.build(settings, demo=options.demo)
            try:
                chosen = request.hosts or settings.inventory.hosts_of(request.systems)
                refuse_unroutable(engine.pool, settings.inventory, chosen)
                await check_host_keys(settings, engine.pool, request.accept_keys)
                incident_id = new_incident_id(engine.clock.now())
                directory = journal_dir(options.journal, engine, incident_id)
                claim = engine.claim(
                    incident_id, request.systems, options.take_over_lock, directory / JOURNAL_NAME
                )
                # With the locks: no host of a system another incident holds is asked
                # (seen: asked, journalled nowhere, then refused for the lock)
                heard = partial(say_waits, printer=EventPrinter(), quiet=options.quiet)
                if not options.drill:  # its answers recorded as the incident opens
                    said = partial(heard, as_json=options.json)
                    request.named = await named_first(settings, engine.pool, request, said)
                    if request.named.refused:  # nothing sent, no incident: as a bad --param
                        raise ProcedureError(request.named.refused)
                if request.trigger is None and (
                    code := await _wait_firing(settings, engine.pool, request, options)
                ):
                    return code  # nothing firing, or its terminal closed meanwhile
                made.append(engine.incident(claim, directory))
                return await _walk(made[0], request, incident_id, options)
            finally:
                await engine.close()


async def _walk(
    conductor: Conductor, request: RunRequest, incident_id: str, options: RunOptions
) -> int:
    """Walk the procedure on the incident just made; print (or --json) the verdict."""
    recorder = conductor.recorder
    conductor.closing.fleet_gone = options.demo  # a drill's: the demo fleet ends with it
    printer = EventPrinter()
    if not options.quiet:
        recorder.subscribe(printer)
    say_waits(conductor, printer, options.quiet, options.json)

    def ran(conductor: Conductor) -> None:  # a file changed meanwhile: said, noted
        printer.flush()
        say_config_changed(conductor, "drill" if options.drill else "run", json=options.json)

    async with driving(conductor, drill=options.drill):
        ok = await walk(conductor, request, incident_id, drill=options.drill, ran=ran)
    printer.flush()
    drill, walked = None, ok
    if options.drill:
        drill_ok, drill = drill_findings(conductor.state)
        ok = drill_ok and ok
    refused = conductor.state.outcome == Outcome.REFUSED  # prechecks: nothing to do
    # ... there, while a strategy step before it changed hosts: their stability was not
    # checked (a command step's, the delivery halted, rolls nothing back).
    changed = refused and any(
        conductor.state.step(s.id).changed
        for s in conductor.settings.procedure.steps
        if s.kind is StepKind.STRATEGY
    )
    code = EXIT_OK if ok else EXIT_REFUSED if refused and not changed else EXIT_FAILED
    left_open = not conductor.state.closed  # hosts unknown: no outcome is known yet
    code = EXIT_UNKNOWN if left_open else code
    code = hung_up(conductor, code) if left_open else code  # its terminal gone: 129
    if options.json:
        print_json(run_result(conductor.state, ok, code, recorder.path, drill))
        return code
    if drill is not None:
        checks = any(s.kind is StepKind.PROBE for s in conductor.settings.procedure.steps)
        _print_drill(drill, conductor.state.integrity, checks)
    _print_problem_hosts(conductor, options)
    _print_undelivered(conductor)
    if left_open and code != EXIT_UNKNOWN:
        _print_stopped(conductor, options)
        return code
    if left_open:
        _print_left_open(conductor, options)
        return code
    closed = conductor.state.outcome_label
    unverified = conductor.state.outcome == Outcome.UNVERIFIED
    said = "NOT VERIFIED" if unverified or changed else "REFUSED" if refused else "FAILED"
    if conductor.state.outcome == Outcome.ABORTED:  # as the console and exec say it
        said = "ABORTED"
    # `FAILED: “Restore” failed (4 failed)`, not `FAILED: failed: ...`: said once.
    verdict = closed if ok else f"{said}: {closed.removeprefix(f'{said.lower()}: ')}"
    if drill is not None and walked and not ok:  # not "FAILED: rolled back and verified"
        verdict = f"DRILL FAILED: {'; '.join(_drill_failures(drill))}; closed as {closed}"
    elif not ok and conductor.state.outcome in (Outcome.ROLLED_BACK, Outcome.COMPLETED):
        # The rollback was verified, and a step that must succeed failed after it (a
        # required status update not delivered): say which, not "FAILED: rolled back".
        verdict = f"FAILED: {_failed_steps(conductor)}; closed as {closed}"
    if not ok and not options.drill:  # a drill's fleet is gone: no undo
        _print_undo(conductor, options)  # refused too: the others may have changed
    if kept := conductor.locks_kept:  # aborted with hosts unknown: their locks stay
        said = kept_at_close(kept, conductor.state.unknown_at_close, incident_id)
        print(visible(said, one_line=True))
    if stuck := conductor.locking.stuck_said():
        print(visible(stuck, one_line=True))
    print(f"{incident_id}: {verdict}; journal {recorder.path}", flush=True)
    return code


def _failed_steps(conductor: Conductor) -> str:
    """`“Communicate status” failed`: each step of the walk that failed, by its title."""
    failed = [
        f"“{step.title}”"
        for step in conductor.settings.procedure.steps
        if conductor.state.step(step.id).status is StepStatus.FAILED
    ]
    return visible(f"{', '.join(failed) or 'a step'} failed", one_line=True)


def _print_problem_hosts(conductor: Conductor, options: RunOptions) -> None:
    """Each host whose last step did not succeed: where it stopped and why, so that a
    --quiet run still says what is left to do. Hosts that stopped alike are said once,
    named together (a held rollout's reason, 200 times the same at 200 hosts); what each
    printed last stays on their line when they printed the same, else under it, those
    that printed alike together. A group of more than SHOWN hosts is counted, its first
    few named (at 200 hosts one line named them all, 1,000 characters), and a last line
    says where every host is named: the document's table."""
    from console.engine.port_written import refused_port

    state = conductor.state
    stopped: dict[str, str] = {}
    seen: dict[str, str] = {}
    port = refused_port(conductor.settings)  # where a refused host's port was written
    for host in state.hosts:
        runs = state.result_runs(host)
        if not runs or runs[-1][1].status is HostStatus.SUCCEEDED:
            continue
        step, run = runs[-1]
        if host in state.step(step).needed_nothing():  # the others changed: the close says it
            continue
        why = ": ".join(str(p) for p in (run.failure, run.detail) if p) or run.status.value
        why += port(host, run.detail) if run.failure is FailureClass.REFUSED else ""
        why += accept_hint(host, run.failure, run.fingerprint)  # as exec's line gives it
        said = run.said()
        seen[host] = f" — {said}" if said and said not in why else ""
        at = f"{step} · {run.stage}" if run.stage else step  # a host never sent anything
        stopped[host] = f"{run.status.value} at {at}: {why}"
    lines, cut = [], False
    for hosts, why in grouped(stopped):
        last = [(who, said) for who, said in grouped({h: seen[h] for h in hosts}) if said]
        alike = len(last) == 1 and len(last[0][0]) == len(hosts)
        lines.append(f"  {_some(hosts)}: {why}{last[0][1] if alike else ''}")
        shown = [] if alike else last[:SHOWN]
        lines += [f"    {_some(who)}{said}" for who, said in shown]
        if rest := sum(len(who) for who, _ in last[len(shown) :] if not alike):
            lines.append(f"    {rest} more host{'s' * (rest != 1)} printed something else last")
        cut = cut or bool(rest) or max(len(who) for who in [hosts, *(w for w, _ in shown)]) > SHOWN
    if cut:
        where = f"export {_named(conductor, options)} --format markdown"
        lines.append(f"  every host by name: {again(where)} (“Systems affected”, “Failures”)")
    if lines:
        print(
            "hosts whose last step did not succeed:",
            *(visible(x, one_line=True) for x in lines),
            sep="\n",
        )


def _some(hosts: list[str]) -> str:
    """`web-2, web-3`, or past SHOWN: `123 hosts (h0078, h0079, ... +118 more)`."""
    return (
        ", ".join(hosts)
        if len(hosts) <= SHOWN
        else f"{len(hosts)} hosts ({named_some(hosts, SHOWN)})"
    )


def _print_undo(conductor: Conductor, options: RunOptions) -> None:
    """What the run left changed and the undo that puts it back (as the console's close
    says it)."""
    where = _named(conductor, options)
    state, settings = conductor.state, conductor.settings
    for line in [*left_changed(state, settings, where), *not_started(state, settings)]:
        print(visible(line, one_line=True))


def _named(conductor: Conductor, options: RunOptions) -> str:
    """The incident as a printed command names it: by its id where resume and undo look
    for it, else by its directory (with --demo on the demo fleet)."""
    directory = shlex.quote(str(conductor.recorder.path.parent))
    if not options.journal:
        return conductor.state.incident_id or directory
    return directory + (" --demo" if options.demo else "")


def _print_undelivered(conductor: Conductor) -> None:
    """Each status update or page that did not arrive, a warning that the run's verdict
    does not show: so that the last lines say who was not told (the run's output scrolls
    the retries far above them), each update under its step's id."""
    from console.journal.describe import notified_lines

    if lines := notified_lines(conductor.recorder.events):
        print("status updates not delivered:", *lines, sep="\n")


def _print_left_open(conductor: Conductor, options: RunOptions) -> None:
    """The last lines of a run that left hosts unknown: the incident is open, its locks
    held, and how to settle those hosts: the command line's verify (the console's keys,
    V and R, are of no use where the run was: it read 'resume ..., then V (the step's
    verify there; R retries the step there)'), then the console for the rest."""
    state, path = conductor.state, conductor.recorder.path
    where = _named(conductor, options)
    systems = ", ".join(state.systems)
    why = "; ".join(unknown_why(state))
    lines = [
        f"left open, its locks held ({systems}): {TAKE_OVER}",
        f"to settle them: {again(f'verify {where}')} (the step's verify there, in this"
        f" incident); a retry there, the steps left and the close are the console's:"
        f" {again(f'resume {where}')}",
        f"{state.incident_id}: UNKNOWN, left open: {why}; journal {path}",
    ]
    print(*(visible(line, one_line=True) for line in lines), sep="\n", flush=True)


def _print_stopped(conductor: Conductor, options: RunOptions) -> None:
    """The last line of a run its terminal's closing stopped (a `kill -HUP`; a pipe's
    reader may still be there): the incident left open, why, and how to go on."""
    state, why = conductor.state, conductor.runner.hung_up
    resume = again(f"resume {_named(conductor, options)}")
    said = f"{state.incident_id}: STOPPED, left open: {why}; resume with: {resume}"
    print(visible(f"{said}; journal {conductor.recorder.path}", one_line=True), flush=True)


def _print_drill(drill: dict, records: list[dict], checks: bool) -> None:
    """The drill's recovery per system and its integrity records (`records`), judged;
    `checks`: the procedure has a stability check, which times the recovery."""
    print("drill report:")
    for system, r in drill["recovery"].items():
        if r["seconds"] is None:
            why = "not measured (stability never verified)" if checks else NO_CHECK
            print(f"  {system}: recovery time {why} ✘")
        else:
            rto = f"target {minutes(r['rto_minutes'])}" if r["rto_minutes"] else "no target"
            mark = "✘" if r["verdict"] == TARGET_EXCEEDED else "✔"
            print(
                f"  {system}: recovered in {r['seconds']:.1f} s from the trigger, {rto}:"
                f" {r['verdict']} {mark}"
            )
    for host, restored in restored_to(records).items():  # the point it went back to
        print(f"  {host}: restored to {visible(restored, one_line=True)}")
    said = integrity_said(records) if records else "not checked: the strategy recorded none"
    print(f"  data integrity: {said}")


def _drill_failures(drill: dict) -> list[str]:
    """Why a drill whose rollback was verified failed: `recovery of web: target exceeded
    (46.3 s, target 30 s)`, `1 integrity mismatch(es)`."""
    said = [
        f"recovery of {system}: {r['verdict']}"
        + (
            f" ({r['seconds']:.1f} s, target {minutes(r['rto_minutes'])})"
            if r["rto_minutes"]
            else ""
        )
        for system, r in drill["recovery"].items()
        if r["seconds"] is None or r["verdict"] == TARGET_EXCEEDED
    ]
    if mismatches := drill["integrity"]["mismatches"]:
        said.append(f"{mismatches} integrity mismatch(es)")
    return said


async def _wait_firing(
    settings: Settings, pool: SshPool, request: RunRequest, options: RunOptions
) -> int:
    """`--trigger auto`: 0 once the automatic trigger firing now is taken; else the
    exit status: none firing (2), or a hang-up (129) or a TERM (1) while the probes were
    read: no incident opened, nothing sent; the locks are released as the command ends."""
    task = asyncio.current_task()
    assert task is not None
    with signals_cancel(task) as hung:
        try:
            return EXIT_OK if await _use_firing(settings, pool, request, options) else EXIT_USAGE
        except asyncio.CancelledError:
            if not hung or task.uncancel():
                raise  # cancelled from elsewhere too: not this signal's to end
    systems = ", ".join(request.systems)
    said = (
        f"run: {hung[0]} while it waited for an automatic trigger on {systems}: no incident"
        f" was opened, nothing was sent; its lock{'s' * (len(request.systems) > 1)} on"
        f" {systems} released"
    )
    print(visible(said, one_line=True), file=sys.stderr, flush=True)
    return EXIT_FAILED if hung[0].startswith(INTERRUPTED) else EXIT_HUNG_UP


async def _use_firing(
    settings: Settings, pool: SshPool, request: RunRequest, options: RunOptions
) -> bool:
    """`--trigger auto`: take the automatic trigger firing now, with its evidence."""
    from console.engine.watcher import Watcher, with_others

    watcher = Watcher(settings, pool, systems=request.systems)
    firing = await watcher.until_fired(request.systems)
    if firing is None:
        # A trigger whose probe read nothing is blind, as the console's trigger screen says
        # (`? blind`): nothing firing there is no news that all is well.
        blind = [
            f"{t.name} ({s.key} = {visible(sample_text(p.probe, s), one_line=True)})"
            for t, s in watcher.blind(request.systems)
            if (p := watcher.readings.get(s.key))
        ]
        print(
            f"error: no automatic trigger is firing on {', '.join(request.systems)}"
            + (f", and blind, reading too little to judge: {', '.join(blind)}" if blind else "")
            + "; name a manual trigger with --trigger and --reason",
            file=sys.stderr,
        )
        return False
    out = sys.stderr if options.json else sys.stdout  # --json: stdout holds the document only
    reason = visible(firing.reason, one_line=True)
    print(f"automatic trigger firing: {reason}", file=out, flush=True)
    request.trigger, request.firing = firing.trigger.kind, firing
    request.also_firing = watcher.firing_now(request.systems)[1:]
    for other in request.also_firing:
        also = visible(other.reason, one_line=True)
        print(f"also firing, recorded as evidence: {also}", file=out, flush=True)
    request.reason = request.reason.strip() or with_others(firing, request.also_firing)[0]
    return True
