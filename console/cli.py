"""The command line: parse arguments, wire the layers, start one of them."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from console import __version__, headless
from console.demo.faults import Fault
from console.engine.conductor import ProcedureError
from console.engine.routes import routes
from console.engine.walk import RunRequest, check_accept_keys, check_request
from console.journal.export import EXPORTERS
from console.journal.store import JOURNAL_NAME, JournalError, journal_path, read_journal
from console.model.settings import ConfigError, Settings, load_settings
from console.model.triggers import TriggerKind
from console.model.visible import visible
from console.paths import demo_config, example_config, find_config, incidents_dir

EXIT_OK, EXIT_FAILED, EXIT_USAGE = headless.EXIT_OK, headless.EXIT_FAILED, headless.EXIT_USAGE


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
    # --config is also accepted after the command (`rollback-console run --config DIR`).
    anywhere = Parser(add_help=False)
    anywhere.add_argument(
        "--config", metavar="DIR", default=argparse.SUPPRESS, help="configuration directory"
    )

    def subcommand(name: str, **kwargs) -> Parser:
        return sub.add_parser(name, parents=[anywhere], **kwargs)

    demo = subcommand("demo", help="start the embedded demo fleet and open the console on it")
    _add_inject(demo)

    run = subcommand("run", help="run the procedure headless")
    drill = subcommand(
        "drill", help="a headless run labelled as a drill, judged on recovery time and integrity"
    )
    for command in (run, drill):
        _add_run_options(command)

    exec_ = subcommand("exec", help="run one command across hosts, journalled like a step")
    _add_target_options(exec_)
    exec_.add_argument("--journal", metavar="PATH", help="append to this incident's journal")
    exec_.add_argument(
        "--dry-run",
        action="store_true",
        help="print where each host goes and the command as sent; connect to nothing",
    )
    exec_.add_argument("command_text", metavar="COMMAND")

    resume = subcommand("resume", help="reopen an incident after a crash or a closed terminal")
    resume.add_argument("journal", metavar="JOURNAL")
    resume.add_argument("--demo", action="store_true", help="the incident ran on the demo fleet")

    follow = subcommand("follow", help="a read-only live view for a second responder")
    follow.add_argument("journal", metavar="JOURNAL")
    follow.add_argument("--plain", action="store_true", help="print events as lines, no TUI")

    export = subcommand("export", help="write the rollback document from a journal")
    export.add_argument("journal", metavar="JOURNAL")
    export.add_argument("--format", choices=sorted(EXPORTERS), default="markdown")
    export.add_argument("-o", "--output", metavar="FILE")
    export.add_argument("--starred-only", action="store_true")

    probe = subcommand("probe", help="sample every probe once and print its value and state")
    probe.add_argument("--demo", action="store_true", help="probe the embedded demo fleet")
    probe.add_argument("--systems", default="", help="comma-separated systems (default: all)")
    _add_inject(probe)

    init = subcommand("init", help="write a commented starter configuration into DIR")
    init.add_argument("directory", metavar="DIR")

    ansible = subcommand(
        "import-ansible", help="convert an Ansible inventory into inventory.toml systems, once"
    )
    ansible.add_argument("inventory", metavar="INVENTORY", help="INI, YAML or JSON, or a directory")
    ansible.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    ansible.add_argument(
        "--group",
        action="append",
        default=[],
        help="a group to make a system of (repeatable; default: every group with hosts)",
    )
    ansible.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    check = subcommand("check-config", help="validate a configuration directory")
    check.add_argument("directory", nargs="?", metavar="DIR")
    return parser


def _add_inject(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inject", action="append", default=[], metavar="KIND:HOST", help="demo fault injection"
    )


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="run against the embedded demo fleet")
    parser.add_argument("--systems", required=True, help="comma-separated systems")
    parser.add_argument("--hosts", default="", help="comma-separated hosts within those systems")
    parser.add_argument(
        "--accept-host-key",
        action="append",
        default=[],
        metavar="HOST=SHA256:...",
        help="trust HOST's unknown key (or its jump host's) if it is exactly this"
        " fingerprint; journalled",
    )
    _add_inject(parser)


def _add_run_options(run: argparse.ArgumentParser) -> None:
    _add_target_options(run)
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
        "--dry-run", action="store_true", help="print every command per host; connect to nothing"
    )
    run.add_argument(
        "--take-over-lock",
        metavar="REASON",
        help="take over a stale system lock (its process is gone); the reason is journalled",
    )
    run.add_argument("--quiet", action="store_true", help="print no event lines, only the verdict")


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        handler = {
            None: cmd_tui,
            "demo": cmd_demo,
            "run": cmd_run,
            "drill": cmd_run,
            "exec": cmd_exec,
            "resume": cmd_resume,
            "follow": cmd_follow,
            "export": cmd_export,
            "check-config": cmd_check_config,
            "init": cmd_init,
            "probe": cmd_probe,
            "import-ansible": cmd_import_ansible,
        }[args.command]
        return handler(args)
    except UsageError as exc:
        print(visible(str(exc)), file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"error: {visible(str(problem))}", file=sys.stderr)
        return EXIT_USAGE
    except (JournalError, ProcedureError) as exc:  # may quote a host or a journal's bytes
        print(f"error: {visible(str(exc))}", file=sys.stderr)
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


def host_keys(items: list[str]) -> dict[str, str]:
    """`--accept-host-key HOST=SHA256:...` options as {host: fingerprint}."""
    keys = {}
    for item in items:
        host, sep, fingerprint = item.partition("=")
        if not sep or not host.strip():
            raise UsageError(f"--accept-host-key {item!r}: expected HOST=SHA256:...")
        keys[host.strip()] = fingerprint.strip()
    return keys


def split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def cmd_check_config(args: argparse.Namespace) -> int:
    directory = Path(args.directory) if args.directory else find_config(args.config)
    settings = load_settings(directory)
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    found = routes(settings.inventory, settings.inventory.host_names)
    noted: dict[str, list[str]] = {}
    for route in found:
        for note in route.notes:
            noted.setdefault(note, []).append(route.host)
    for note, hosts in noted.items():
        shown = ", ".join(hosts[:5]) + (f" and {len(hosts) - 5} more" if len(hosts) > 5 else "")
        print(f"warning: ssh_config for {shown}: {note}", file=sys.stderr)
    unroutable = [r for r in found if r.error]
    for route in unroutable:
        print(f"error: {route.host}: {route.error}", file=sys.stderr)
    if unroutable:
        return EXIT_USAGE
    hosts = len(settings.inventory.host_names)
    warnings = len(settings.warnings) + len(noted)
    warned = f", {warnings} warnings" if warnings else ""
    print(
        f"{directory}: ok: {len(settings.inventory.systems)} systems, {hosts} hosts, "
        f"{len(settings.strategies)} strategies, {len(settings.procedure.steps)} steps{warned}"
    )
    return EXIT_OK


def cmd_import_ansible(args: argparse.Namespace) -> int:
    from console.model.ansible.convert import convert

    source = Path(args.inventory)
    conversion = convert(source, args.group)
    for finding in conversion.findings:
        print(
            f"{'error' if finding.error else 'warning'}: {finding.where}: {finding.message}",
            file=sys.stderr,
        )
    if conversion.errors:
        return EXIT_USAGE
    text = conversion.toml(source)
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.output)
    if target.exists() and not args.force:
        raise UsageError(f"{target}: exists; choose another file or pass --force")
    target.write_text(text, encoding="utf-8")
    hosts = sum(len(s["hosts"]) for s in conversion.systems)
    print(f"{target}: wrote {len(conversion.systems)} systems, {hosts} hosts", file=sys.stderr)
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    target = Path(args.directory)
    source = example_config()
    clashes = [p.name for p in sorted(source.glob("*.toml")) if (target / p.name).exists()]
    if clashes:
        raise UsageError(
            f"{target}: would overwrite {', '.join(clashes)}; choose an empty directory"
        )
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.toml")):
        (target / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"{target}: wrote {len(list(source.glob('*.toml')))} files; edit them, then run")
    print(f"  rollback-console check-config {target}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    read = read_journal(existing_journal(args.journal))
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
        accept_keys=host_keys(args.accept_host_key),
    )
    if args.dry_run:
        if faults:
            raise UsageError("--dry-run connects to nothing: --inject has no effect with it")
        return headless.dry_run(settings, request)
    check_request(settings, request)
    options = headless.RunOptions(
        demo=args.demo,
        journal=args.journal,
        quiet=args.quiet,
        take_over_lock=args.take_over_lock,
        drill=args.command == "drill",
    )
    return asyncio.run(headless.run_rollback(settings, request, faults, options))


def cmd_probe(args: argparse.Namespace) -> int:
    settings = load(args, demo=args.demo)
    faults = parse_faults(args.inject, settings, args.demo)
    systems = split(args.systems)
    for name in systems:
        if name not in {s.name for s in settings.inventory.systems}:
            raise UsageError(f"--systems: unknown system {name!r}")
    return asyncio.run(headless.run_probe(settings, faults, systems, args.demo))


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
    if args.dry_run:
        if faults:
            raise UsageError("--dry-run connects to nothing: --inject has no effect with it")
        return headless.dry_exec(settings, args.command_text, hosts)
    keys = host_keys(args.accept_host_key)
    check_accept_keys(settings, systems, keys)
    options = headless.RunOptions(demo=args.demo, journal=args.journal, accept_keys=keys)
    return asyncio.run(
        headless.run_exec(settings, faults, options, args.command_text, systems, hosts)
    )


def existing_journal(text: str) -> Path:
    path = journal_path(Path(text))
    if not path.is_file():
        raise UsageError(f"{text}: no journal there (expected a {JOURNAL_NAME} or its directory)")
    return path


def ran_on_demo(journal: Path) -> bool:
    """A journal among the demo's incidents ran on the demo fleet (resume it there)."""
    return journal.resolve().is_relative_to(incidents_dir(demo=True).resolve())


def cmd_resume(args: argparse.Namespace) -> int:
    from console.ui.launch import run_resume

    path = existing_journal(args.journal)
    demo = args.demo or ran_on_demo(path)
    settings = load(args, demo=demo)
    return run_resume(settings, path, demo=demo)


def cmd_follow(args: argparse.Namespace) -> int:
    path = existing_journal(args.journal)
    if args.plain:
        return asyncio.run(headless.follow_plain(path))
    from console.ui.launch import run_follow

    return run_follow(path)


def cmd_demo(args: argparse.Namespace) -> int:
    from console.ui.launch import run_demo_tui

    settings = load(args, demo=True)
    faults = parse_faults(args.inject, settings, demo=True)
    return run_demo_tui(settings, faults)


def cmd_tui(args: argparse.Namespace) -> int:
    from console.ui.launch import run_tui

    return run_tui(load(args))
