"""Headless runs: the procedure, an ad-hoc command, probes, follow and dry run, in a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from console.engine.conductor import Conductor, ProcedureError, new_incident_id
from console.engine.notifier import target_of
from console.engine.routes import Route, routes
from console.engine.session import Engine
from console.engine.ssh import SshPool, targets_for
from console.engine.supervisor import supervised
from console.engine.walk import RunRequest, accept_keys, check_request, walk
from console.guard import reader_gone
from console.journal.describe import console_line
from console.journal.lock import WriterLock
from console.journal.redact import MASKED_NOTE, settings_redactor
from console.journal.results import drill_findings, exec_result, probe_result, run_result
from console.journal.store import JOURNAL_NAME
from console.journal.tail import JournalTail
from console.model.events import Event, Kind
from console.model.kinds import RunsOn
from console.model.outcome import Outcome
from console.model.payloads import CommandOutput, CommandResult, StepStarted
from console.model.procedure import Phase, StepKind
from console.model.settings import Settings
from console.model.state import HostStatus, IncidentState
from console.model.templates import RenderedCommand
from console.model.visible import visible

if TYPE_CHECKING:  # the demo fleet and the probes are imported by the commands that use them
    from console.demo.faults import Fault

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


@dataclass
class RunOptions:
    demo: bool = False
    journal: str | None = None
    quiet: bool = False
    take_over_lock: str | None = None
    drill: bool = False
    accept_keys: dict[str, str] = field(default_factory=dict)
    json: bool = False  # one JSON document on stdout, nothing else


@contextlib.asynccontextmanager
async def reachable(settings: Settings, faults: list[Fault], demo: bool) -> AsyncIterator[Settings]:
    """The settings to connect with: the demo fleet's while it runs, else as configured."""
    if not demo:
        yield settings
        return
    from console.demo.fleet import DemoFleet

    fleet = DemoFleet(settings, faults)
    try:
        yield await fleet.start()
    finally:
        await fleet.stop()


def journal_dir(path: str | None, engine: Engine, incident_id: str) -> Path:
    """`--journal` (a journal file or an incident directory), else the engine's journal root."""
    if not path:
        return engine.journal_root / incident_id
    target = Path(path)
    if target.suffix == ".jsonl" or target.is_file():
        if target.name != JOURNAL_NAME:
            raise ProcedureError(f"--journal {path}: a journal file must be named {JOURNAL_NAME}")
        return target.parent
    return target


async def run_rollback(
    settings: Settings, request: RunRequest, faults: list[Fault], options: RunOptions
) -> int:
    async with reachable(settings, faults, options.demo) as settings:
        # Validate fully and take the locks before the journal exists: nothing
        # half-checked is recorded, and a refusal leaves no incident behind.
        check_request(settings, request)
        engine = Engine.build(settings, demo=options.demo)
        try:
            incident_id = new_incident_id(engine.clock.now())
            claim = engine.claim(incident_id, request.systems, options.take_over_lock)
            pool = engine.pool
            if request.trigger is None and not await _use_firing(settings, pool, request, options):
                return EXIT_USAGE
            directory = journal_dir(options.journal, engine, incident_id)
            conductor = engine.incident(claim, directory)
            return await _walk(conductor, request, incident_id, options)
        finally:
            await engine.close()


async def _walk(
    conductor: Conductor, request: RunRequest, incident_id: str, options: RunOptions
) -> int:
    """Walk the procedure on the incident just made; print (or --json) the verdict."""
    recorder = conductor.recorder
    printer = _Printer()
    if not options.quiet:
        recorder.subscribe(printer)
    with _abort_on_signals(conductor):
        try:
            ok = await walk(conductor, request, incident_id, drill=options.drill)
        except ProcedureError as refused:
            conductor.close(Outcome.REFUSED, str(refused))
            raise
        finally:
            await conductor.shutdown()
            recorder.close()
    printer.flush()
    drill = None
    if options.drill:
        drill_ok, drill = drill_findings(conductor.state)
        ok = drill_ok and ok
    code = EXIT_OK if ok else EXIT_FAILED
    if options.json:
        print_json(run_result(conductor.state, ok, code, recorder.path, drill))
        return code
    if drill is not None:
        _print_drill(drill)
    _print_problem_hosts(conductor)
    closed = conductor.state.outcome_label
    verdict = closed if ok else f"FAILED: {closed}"
    print(f"{incident_id}: {verdict}; journal {recorder.path}", flush=True)
    return code


def print_json(document: dict) -> None:
    # ASCII only: a host's bytes (C1 controls, bidi marks) reach no terminal raw.
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
    sys.stdout.flush()


class _Printer:
    """Event lines to stdout, written once per loop turn rather than once per event."""

    def __init__(self):
        self._lines: list[str] = []

    def __call__(self, event: Event) -> None:
        if not self._lines:
            asyncio.get_running_loop().call_soon(self.flush)
        self._lines.append(console_line(event))

    def flush(self) -> None:
        if self._lines:
            sys.stdout.write("\n".join(self._lines) + "\n")
            sys.stdout.flush()
            self._lines.clear()


_ABORTING: set[asyncio.Future[None]] = set()  # held until done: the loop keeps weak refs


def _abort_soon(conductor: Conductor, reason: str) -> None:
    task = asyncio.ensure_future(conductor.abort(reason))
    _ABORTING.add(task)
    task.add_done_callback(_ABORTING.discard)


@contextlib.contextmanager
def _abort_on_signals(conductor: Conductor):
    """Ctrl+C or TERM aborts the run with that reason; the journal says so."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(
            signum,
            _abort_soon,
            conductor,
            f"interrupted by {signal.Signals(signum).name}",
        )
    try:
        yield
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _print_problem_hosts(conductor: Conductor) -> None:
    """Each host whose last step did not succeed: where it stopped and why, so that a
    --quiet run still says what is left to do."""
    state = conductor.state
    lines = []
    for host in state.hosts:
        runs = state.host_runs(host)
        if not runs or runs[-1][1].status is HostStatus.SUCCEEDED:
            continue
        step, run = runs[-1]
        why = ": ".join(str(p) for p in (run.failure, run.detail) if p) or run.status.value
        seen = f" — {run.last_line}" if run.last_line and run.last_line not in why else ""
        line = f"  {host}: {run.status.value} at {step} · {run.stage}: {why}{seen}"
        lines.append(visible(line, one_line=True))
    if lines:
        print("hosts not rolled back:", *lines, sep="\n")


def _print_drill(drill: dict) -> None:
    print("drill report:")
    for system, r in drill["recovery"].items():
        if r["seconds"] is None:
            print(f"  {system}: recovery time not measured (stability never verified)")
        else:
            print(f"  {system}: recovered in {r['seconds']:.1f} s: {r['verdict']}")
    integrity = drill["integrity"]
    print(
        f"  data integrity: {integrity['records']} record(s), {integrity['mismatches']} mismatch(es)"
    )


async def _use_firing(
    settings: Settings, pool: SshPool, request: RunRequest, options: RunOptions
) -> bool:
    """`--trigger auto`: take the automatic trigger firing now, with its evidence."""
    from console.engine.watcher import Watcher, with_others

    watcher = Watcher(settings, pool, systems=request.systems)
    firing = await watcher.until_fired(request.systems)
    if firing is None:
        print(
            f"error: no automatic trigger is firing on {', '.join(request.systems)};"
            " name a manual trigger with --trigger and --reason",
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


def dry_run(settings: Settings, request: RunRequest) -> int:
    """Print every command exactly as each host would get it; connect to nothing (so
    nothing needs --yes)."""
    check_request(settings, request, dry_run=True)
    with tempfile.TemporaryDirectory(prefix="rollback-dry-run-") as scratch:
        # Nothing is kept and nothing is locked: a scratch journal, no claim.
        engine = Engine(settings, Path(scratch) / "incidents")
        conductor = engine.new_incident("dry run", incident_id="dry-run")
        conductor.claim = None
        recorder = conductor.recorder
        conductor.select(request.systems, request.hosts or None)
        conductor.choose_strategy(request.strategy, request.params)
        print("# dry run: nothing is sent. On each host, every command runs as")
        print(_commented(supervised("COMMAND", "TOKEN")))
        for pager in settings.procedure.pagers:
            print(
                f"# {pager.name}: {target_of(pager)} is triggered on declaration, acknowledged"
                " when the rollback starts, resolved on close"
            )
        unroutable = _print_routes(settings, list(conductor.state.hosts))
        for phase in settings.procedure.phases:
            if phase.phase is Phase.POST:
                break
            for step in phase.steps:
                print(f"\n## {phase.phase.label}: {step.title} [{step.kind}]")
                if step.kind in (StepKind.COMMAND, StepKind.STRATEGY):
                    here = step.kind is StepKind.STRATEGY and (
                        settings.strategy(step.strategy or request.strategy).runs_on
                        is RunsOn.JUMP_HOST
                    )
                    where = " (on the jump host)" if here else ""
                    for host, commands in conductor.preview(step.id).items():
                        for stage, command in commands:
                            shown = visible(command.shown.strip())
                            print(f"### {host} {stage}{where}\n{shown}")
                            if command.masked:
                                print(f"# {MASKED_NOTE}")
                elif step.kind is StepKind.PROBE:
                    print(_probe_plan(settings, conductor.state.systems))
                elif step.kind is StepKind.NOTIFY:
                    for channel in conductor.notifier.channels_of(step):
                        print(f"{channel.name}: {target_of(channel)}")
                elif step.kind is StepKind.MANUAL:
                    print("(confirmed by a person; --yes confirms it)")
                else:
                    print(step.description or f"({step.kind} step)")
        recorder.close()
    return _routes_verdict(unroutable)


def dry_exec(settings: Settings, command: str, hosts: list[str]) -> int:
    """`exec --dry-run`: where each host goes and the command as it gets it."""
    print("# dry run: nothing is sent. On each host, the command runs as")
    print(_commented(supervised("COMMAND", "TOKEN")))
    unroutable = _print_routes(settings, hosts)
    redactor = settings_redactor(settings)
    for target in targets_for(settings.inventory, hosts):
        rendered = RenderedCommand.typed(command, target.workdir, redactor.text)
        print(f"\n### {target.name} run\n{visible(rendered.shown.strip())}")
        if rendered.masked:
            print(f"# {MASKED_NOTE}")
    return _routes_verdict(unroutable)


def _commented(text: str) -> str:
    return "\n".join(f"#   {line}" for line in text.splitlines())


def _print_routes(settings: Settings, hosts: list[str]) -> list[Route]:
    """`host: user@hostname:port via ...` for each host; the routes that cannot be followed."""
    print("\n## Where each host goes (resolved through ssh_config; nothing is connected)")
    found = routes(settings.inventory, hosts)
    for route in found:
        print(route.line())
    return [r for r in found if r.error]


def _routes_verdict(unroutable: list[Route]) -> int:
    for route in unroutable:
        print(f"error: {route.host}: {route.error}", file=sys.stderr)
    return EXIT_USAGE if unroutable else EXIT_OK


def _probe_plan(settings: Settings, systems: list[str]) -> str:
    """What a probe step samples until the soak passes: each probe of the systems."""
    lines = [f"(the probes of {', '.join(systems)} must stay healthy for the soak window)"]
    for name in systems:
        for probe in settings.inventory.system(name).probes:
            what = probe.command or probe.url or probe.path or ""
            lines.append(f"### {name} probe {probe.name} [{probe.kind}]\n{what.strip()}")
    return "\n".join(lines)


async def run_exec(
    settings: Settings,
    faults: list[Fault],
    options: RunOptions,
    command: str,
    systems: list[str],
    hosts: list[str],
) -> int:
    async with reachable(settings, faults, options.demo) as settings:
        engine = Engine.build(settings, demo=options.demo)
        try:
            # The locks come first: a refusal leaves no incident and writes to none.
            if options.journal:
                conductor = engine.open_existing(
                    Path(options.journal), systems, options.take_over_lock, open_only=True
                )
            else:
                incident_id = new_incident_id(engine.clock.now())
                claim = engine.claim(incident_id, systems, options.take_over_lock)
                conductor = engine.incident(claim)
                conductor.open_incident(f"Ad-hoc command on {', '.join(systems)}", incident_id)
            if not options.json:
                conductor.recorder.subscribe(_print_exec_event)
            try:
                await accept_keys(conductor, options.accept_keys)
            except ProcedureError as refused:
                if not options.journal:
                    conductor.close(Outcome.REFUSED, str(refused))
                raise
            with _abort_on_signals(conductor):
                ok = await conductor.run_adhoc(command, hosts)
            if not options.journal:
                where = f"on {len(hosts)} host(s)"
                if ok:
                    conductor.close(Outcome.COMPLETED, f"ad-hoc command succeeded {where}")
                else:
                    conductor.close(Outcome.FAILED, f"ad-hoc command failed {where}")
        finally:
            await engine.close()  # releases the locks (journalled) and closes the journal
        code = EXIT_OK if ok else EXIT_FAILED
        if options.json:
            recorder = conductor.recorder
            step = next(
                e.where.step or ""
                for e in reversed(recorder.events)
                if isinstance(e.data, StepStarted) and e.data.adhoc
            )
            print_json(exec_result(recorder.state, recorder.events, step, code, recorder.path))
        return code


def _print_exec_event(event: Event) -> None:
    data = event.data
    if isinstance(data, CommandOutput):
        stream = sys.stderr if data.stream == "stderr" else sys.stdout
        host = event.where.host
        stream.write("".join(f"{host}: {visible(line)}\n" for line in data.lines))
        stream.flush()
    elif event.kind == Kind.HOSTKEY_ACCEPTED:
        print(console_line(event), flush=True)
    elif isinstance(data, CommandResult) and data.failure:
        line = f"{event.where.host}: FAILED ({data.failure}): {data.detail or ''}"
        print(visible(line, one_line=True), file=sys.stderr)


async def run_probe(
    settings: Settings, faults: list[Fault], systems: list[str], demo: bool, json: bool = False
) -> int:
    from console.engine.probe_report import probe_once
    from console.engine.watcher import Watcher

    async with reachable(settings, faults, demo) as settings:
        engine = Engine.build(settings, demo=demo)
        try:
            report = await probe_once(Watcher(settings, engine.pool, systems=systems or None))
        finally:
            await engine.close()
    code = EXIT_FAILED if report.unreachable else EXIT_OK
    if json:
        print_json(probe_result(report.samples, report.unreachable, code))
        return code
    print("\n".join(visible(line, one_line=True) for line in report.lines))
    if report.unreachable:
        print(f"error: cannot reach {', '.join(report.unreachable)}", file=sys.stderr)
    return code


async def follow_plain(path: Path, poll_seconds: float = 0.2) -> int:
    """Print the incident's events as they are written, until it is closed. If the
    writer exits holding its lock with hosts in flight, say once that they are unknown."""
    tail = JournalTail(path)
    state, lock = IncidentState(), WriterLock()
    warned = False
    while not reader_gone():  # `follow --plain | head` ends when head does
        for event in tail.poll():
            print(console_line(event), flush=True)
            state.apply(event)
            lock.feed(event)
            if event.kind == Kind.LOCK_ACQUIRED:
                warned = False  # a new writer: if it dies too, say so again
            if event.kind == Kind.INCIDENT_CLOSED:
                return EXIT_OK
        running = state.hosts_with(HostStatus.RUNNING)
        if not warned and running and lock.gone():
            warned = True
            pid, host = lock.owner
            hosts = ", ".join(sorted(f"{h} ({step})" for step, h in running))
            warning = (
                f"! the console driving this incident (pid {pid} on {host}) exited holding"
                f" its lock; outcome never recorded, so unknown: {hosts}."
                " Resume the incident to verify them."
            )
            print(visible(warning, one_line=True), flush=True)
        await asyncio.sleep(poll_seconds)
    return EXIT_OK
