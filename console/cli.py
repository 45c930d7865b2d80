"""The command line: parse arguments, wire the layers, start one of them."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from console import __version__
from console.demo.faults import Fault
from console.demo.fleet import DemoFleet
from console.engine.conductor import Conductor, ProcedureError, new_incident_id
from console.engine.probe_report import probe_once
from console.engine.session import Engine
from console.engine.ssh import SshPool
from console.engine.walk import RunRequest, check_request, walk
from console.engine.watcher import Watcher
from console.journal.describe import console_line
from console.journal.export import EXPORTERS
from console.journal.lock import SystemLocks
from console.journal.recorder import Recorder, current_actor
from console.journal.redact import Redactor
from console.journal.store import JOURNAL_NAME, JournalError, journal_path, read_journal
from console.journal.tail import JournalTail
from console.model.clock import SystemClock
from console.model.events import Kind
from console.model.settings import ConfigError, Settings, load_settings
from console.model.triggers import TriggerKind
from console.paths import demo_config, find_config, incidents_dir, locks_dir

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input: printed as one clear line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> Parser:
    parser = Parser(
        prog="rollback-console", description="Roll a bad delivery back, and keep the record."
    )
    parser.add_argument("--version", action="version", version=f"rollback-console {__version__}")
    parser.add_argument("--config", metavar="DIR", help="configuration directory")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)

    demo = sub.add_parser("demo", help="start the embedded demo fleet and open the console on it")
    _add_inject(demo)

    run = sub.add_parser("run", help="run the procedure headless")
    run.add_argument("--demo", action="store_true", help="run against the embedded demo fleet")
    run.add_argument("--systems", required=True, help="comma-separated systems")
    run.add_argument("--hosts", default="", help="comma-separated hosts within those systems")
    run.add_argument("--strategy", required=True)
    run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    run.add_argument(
        "--trigger",
        required=True,
        choices=["auto", *(k.value for k in TriggerKind)],
        help="a trigger kind, or `auto`: the automatic trigger firing now, with its evidence",
    )
    run.add_argument("--reason", default="")
    run.add_argument("--title", default="")
    run.add_argument("--yes", action="store_true", help="confirm manual steps")
    run.add_argument("--journal", metavar="PATH", help="journal file or incident directory")
    run.add_argument(
        "--take-over-lock",
        metavar="REASON",
        help="take over a stale system lock (its process is gone); the reason is journalled",
    )
    run.add_argument("--quiet", action="store_true", help="print no event lines, only the verdict")
    _add_inject(run)

    exec_ = sub.add_parser("exec", help="run one command across hosts, journalled like a step")
    exec_.add_argument("--demo", action="store_true", help="run against the embedded demo fleet")
    exec_.add_argument("--systems", required=True, help="comma-separated systems")
    exec_.add_argument("--hosts", default="", help="comma-separated hosts within those systems")
    exec_.add_argument("--journal", metavar="PATH", help="append to this incident's journal")
    exec_.add_argument("command_text", metavar="COMMAND")
    _add_inject(exec_)

    resume = sub.add_parser("resume", help="reopen an incident after a crash or a closed terminal")
    resume.add_argument("journal", metavar="JOURNAL")
    resume.add_argument("--demo", action="store_true", help="the incident ran on the demo fleet")

    follow = sub.add_parser("follow", help="a read-only live view for a second responder")
    follow.add_argument("journal", metavar="JOURNAL")
    follow.add_argument("--plain", action="store_true", help="print events as lines, no TUI")

    export = sub.add_parser("export", help="write the rollback document from a journal")
    export.add_argument("journal", metavar="JOURNAL")
    export.add_argument("--format", choices=sorted(EXPORTERS), default="markdown")
    export.add_argument("-o", "--output", metavar="FILE")
    export.add_argument("--starred-only", action="store_true")

    probe = sub.add_parser("probe", help="sample every probe once and print its value and state")
    probe.add_argument("--demo", action="store_true", help="probe the embedded demo fleet")
    probe.add_argument("--systems", default="", help="comma-separated systems (default: all)")
    _add_inject(probe)

    check = sub.add_parser("check-config", help="validate a configuration directory")
    check.add_argument("directory", nargs="?", metavar="DIR")
    return parser


def _add_inject(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inject", action="append", default=[], metavar="KIND:HOST", help="demo fault injection"
    )


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        handler = {
            None: cmd_tui,
            "demo": cmd_demo,
            "run": cmd_run,
            "exec": cmd_exec,
            "resume": cmd_resume,
            "follow": cmd_follow,
            "export": cmd_export,
            "check-config": cmd_check_config,
            "probe": cmd_probe,
        }[args.command]
        return handler(args)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except (JournalError, ProcedureError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_FAILED


def load(args: argparse.Namespace, demo: bool = False) -> Settings:
    return load_settings(demo_config() if demo else find_config(args.config))


def parse_faults(texts: list[str], settings: Settings, demo: bool) -> list[Fault]:
    if texts and not demo:
        raise UsageError("--inject only works on the demo fleet (add --demo)")
    try:
        return [Fault.parse(t, settings.inventory.host_names) for t in texts]
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def journal_dir(path: str | None, demo: bool, incident_id: str) -> Path:
    if not path:
        return incidents_dir(demo) / incident_id
    target = Path(path)
    if target.suffix == ".jsonl" or target.is_file():
        if target.name != JOURNAL_NAME:
            raise UsageError(f"--journal {path}: a journal file must be named {JOURNAL_NAME}")
        return target.parent
    return target


def open_recorder(settings: Settings, directory: Path) -> Recorder:
    redact = settings.console.redact
    return Recorder.open(
        directory,
        SystemClock(),
        current_actor(),
        Redactor(redact.values, redact.patterns, redact.env),
    )


def split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def cmd_check_config(args: argparse.Namespace) -> int:
    directory = Path(args.directory) if args.directory else find_config(args.config)
    settings = load_settings(directory)
    hosts = len(settings.inventory.host_names)
    print(
        f"{directory}: ok: {len(settings.inventory.systems)} systems, {hosts} hosts, "
        f"{len(settings.strategies)} strategies, {len(settings.procedure.steps)} steps"
    )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    path = Path(args.journal)
    if path.is_dir():
        path = path / JOURNAL_NAME
    read = read_journal(path)
    for torn in read.torn:
        print(
            f"warning: {torn.path}:{torn.line}: torn last line ignored ({torn.size} bytes)",
            file=sys.stderr,
        )
    text = EXPORTERS[args.format](read.events, args.starred_only)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    settings = load(args, demo=args.demo)
    faults = parse_faults(args.inject, settings, args.demo)
    params = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        params[name] = value
    request = RunRequest(
        systems=split(args.systems),
        hosts=split(args.hosts),
        strategy=args.strategy,
        params=params,
        trigger=None if args.trigger == "auto" else TriggerKind(args.trigger),
        reason=args.reason,
        yes=args.yes,
        title=args.title,
    )
    check_request(settings, request)
    return asyncio.run(_run(settings, request, faults, args))


async def _run(settings: Settings, request: RunRequest, faults: list[Fault], args) -> int:
    fleet = DemoFleet(settings, faults) if args.demo else None
    if fleet:
        settings = await fleet.start()
    try:
        incident_id = new_incident_id(SystemClock().now())
        # Validate fully before the journal exists: nothing half-checked is recorded.
        check_request(settings, request)
        pool = SshPool(settings.inventory.ssh)
        if request.trigger is None and not await _use_firing(settings, pool, request):
            await pool.close()
            return EXIT_USAGE
        recorder = open_recorder(settings, journal_dir(args.journal, args.demo, incident_id))
        conductor = Conductor(settings, recorder, pool)
        conductor.locks = SystemLocks(locks_dir(settings, args.demo))
        conductor.lock_takeover_reason = args.take_over_lock
        if not args.quiet:
            recorder.subscribe(lambda e: print(console_line(e), flush=True))
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(
                signum,
                lambda s=signum: asyncio.ensure_future(
                    conductor.abort(f"interrupted by {signal.Signals(s).name}")
                ),
            )
        try:
            ok = await walk(conductor, request, incident_id)
        except ProcedureError as refused:
            conductor.close(f"refused: {refused}")
            raise
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
            await conductor.shutdown()
            recorder.close()
        verdict = "rolled back and verified" if ok else "FAILED"
        print(f"{incident_id}: {verdict}; journal {recorder.path}", flush=True)
        return EXIT_OK if ok else EXIT_FAILED
    finally:
        if fleet:
            await fleet.stop()


async def _use_firing(settings: Settings, pool: SshPool, request: RunRequest) -> bool:
    """`--trigger auto`: take the automatic trigger firing now, with its evidence."""
    watcher = Watcher(settings, pool, systems=request.systems)
    firing = await watcher.until_fired(request.systems)
    if firing is None:
        print(
            f"error: no automatic trigger is firing on {', '.join(request.systems)};"
            " name a manual trigger with --trigger and --reason",
            file=sys.stderr,
        )
        return False
    print(f"automatic trigger firing: {firing.reason}", flush=True)
    request.trigger, request.firing = firing.trigger.kind, firing
    request.reason = request.reason.strip() or firing.reason
    return True


def cmd_probe(args: argparse.Namespace) -> int:
    settings = load(args, demo=args.demo)
    faults = parse_faults(args.inject, settings, args.demo)
    systems = split(args.systems)
    for name in systems:
        if name not in {s.name for s in settings.inventory.systems}:
            raise UsageError(f"--systems: unknown system {name!r}")
    return asyncio.run(_probe(settings, faults, systems, args.demo))


async def _probe(settings: Settings, faults: list[Fault], systems: list[str], demo: bool) -> int:
    fleet = DemoFleet(settings, faults) if demo else None
    if fleet:
        settings = await fleet.start()
    pool = SshPool(settings.inventory.ssh)
    try:
        report = await probe_once(Watcher(settings, pool, systems=systems or None))
    finally:
        await pool.close()
        if fleet:
            await fleet.stop()
    print("\n".join(report.lines))
    if report.unreachable:
        print(f"error: cannot reach {', '.join(report.unreachable)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def resolve_hosts(settings: Settings, systems: list[str], hosts: list[str]) -> list[str]:
    """The hosts of `systems`, narrowed to `hosts` if given; unknown names are usage errors."""
    inventory = settings.inventory
    names: list[str] = []
    for system in systems:
        try:
            names += [h.name for h in inventory.system(system).hosts]
        except KeyError:
            known = ", ".join(s.name for s in inventory.systems)
            raise UsageError(f"--systems: unknown system {system!r} (known: {known})") from None
    outside = [h for h in hosts if h not in names]
    if outside:
        raise UsageError(f"--hosts: {', '.join(outside)} not in systems {', '.join(systems)}")
    return [h for h in names if not hosts or h in hosts]


def cmd_exec(args: argparse.Namespace) -> int:
    settings = load(args, demo=args.demo)
    faults = parse_faults(args.inject, settings, args.demo)
    systems = split(args.systems)
    hosts = resolve_hosts(settings, systems, split(args.hosts))
    if not args.command_text.strip():
        raise UsageError("COMMAND is empty")
    return asyncio.run(_exec(settings, faults, args, systems, hosts))


async def _exec(settings, faults, args, systems: list[str], hosts: list[str]) -> int:
    fleet = DemoFleet(settings, faults) if args.demo else None
    if fleet:
        settings = await fleet.start()
    try:
        engine = Engine(settings, incidents_dir(args.demo))
        if args.journal:
            conductor = engine.open_existing(Path(args.journal))
        else:
            conductor = engine.new_incident(f"Ad-hoc command on {', '.join(systems)}")
        conductor.recorder.subscribe(_print_exec_event)
        try:
            ok = await conductor.run_adhoc(args.command_text, hosts)
            if not args.journal:
                conductor.close("ad-hoc command " + ("succeeded" if ok else "failed"))
        finally:
            await engine.close()
            conductor.recorder.close()
        return EXIT_OK if ok else EXIT_FAILED
    finally:
        if fleet:
            await fleet.stop()


def _print_exec_event(event) -> None:
    if event.kind == Kind.COMMAND_OUTPUT:
        stream = sys.stderr if event.data.get("stream") == "stderr" else sys.stdout
        host = event.where.host
        stream.write("".join(f"{host}: {line}\n" for line in event.data.get("lines", [])))
        stream.flush()
    elif event.kind == Kind.COMMAND_RESULT and event.data.get("failure"):
        d = event.data
        print(
            f"{event.where.host}: FAILED ({d['failure']}): {d.get('detail', '')}", file=sys.stderr
        )


def existing_journal(text: str) -> Path:
    path = journal_path(Path(text))
    if not path.is_file():
        raise UsageError(f"{text}: no journal there (expected a {JOURNAL_NAME} or its directory)")
    return path


def cmd_resume(args: argparse.Namespace) -> int:
    from console.ui.launch import run_resume

    path = existing_journal(args.journal)
    settings = load(args, demo=args.demo)
    return run_resume(settings, path, demo=args.demo)


def cmd_follow(args: argparse.Namespace) -> int:
    path = existing_journal(args.journal)
    if args.plain:
        return asyncio.run(_follow_plain(path))
    from console.ui.launch import run_follow

    return run_follow(path)


async def _follow_plain(path: Path, poll_seconds: float = 0.2) -> int:
    """Print the incident's events as they are written, until it is closed."""
    tail = JournalTail(path)
    while True:
        for event in tail.poll():
            print(console_line(event), flush=True)
            if event.kind == Kind.INCIDENT_CLOSED:
                return EXIT_OK
        await asyncio.sleep(poll_seconds)


def cmd_demo(args: argparse.Namespace) -> int:
    from console.ui.launch import run_demo_tui

    settings = load(args, demo=True)
    faults = parse_faults(args.inject, settings, demo=True)
    return run_demo_tui(settings, faults)


def cmd_tui(args: argparse.Namespace) -> int:
    from console.ui.launch import run_tui

    return run_tui(load(args))
