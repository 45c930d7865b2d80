"""Commands about the configuration and the record: check-config, init, schema, export."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from console.cli.common import existing_journal, load
from console.cli.parser import EXIT_OK, EXIT_USAGE, UsageError


def _export(path: Path, fmt: str, starred_only: bool, first: int | None, write) -> list:
    """Write the document of the journal's `first` events (all if None); the JSON one is
    streamed (constant memory however much output the incident holds), the others read
    back no command's stdout they do not show. Returns the torn lines seen."""
    from console.journal.event_log import read_documented
    from console.journal.export import EXPORT_FORMATS
    from console.journal.export.json_export import write_json
    from console.journal.store import JournalStream
    from console.model.visible import json_visible

    if fmt == "json":
        streams: list[JournalStream] = []

        def journal() -> JournalStream:  # read twice, never held (see write_json)
            streams.append(JournalStream(path, first=first))
            return streams[-1]

        write_json(journal, lambda text: write(json_visible(text)), starred_only)
        return streams[0].torn
    read = read_documented(path, first)
    write(EXPORT_FORMATS[fmt].render(read.events, starred_only, read.total))
    return read.torn


def check_config(args: argparse.Namespace) -> int:
    from console.engine.hop_names import unresolved_hops, unresolved_names
    from console.engine.key_names import host_key_findings
    from console.engine.routes import routes
    from console.model.coverage import (
        countless_triggers,
        demo_faults,
        strategyless_systems,
        unchecked_rollouts,
        undetectable_drills,
        unjudged_integrity,
        unlisted_step_strategies,
        untimed_drills,
        unverifying_strategies,
        unwatched_canaries,
        unwatched_systems,
    )
    from console.model.port_written import port_written
    from console.model.short_secrets import short_secrets
    from console.paths import demo_config, find_config

    directory = Path(args.directory) if args.directory else find_config(args.config)
    checks = [
        unverifying_strategies,
        unwatched_systems,
        strategyless_systems,
        unlisted_step_strategies,
        undetectable_drills,
        unjudged_integrity,
        untimed_drills,
        unchecked_rollouts,
        unwatched_canaries,
        countless_triggers,
        short_secrets,
    ]
    demo = directory is not None and directory.resolve() == demo_config().resolve()
    if not demo:
        checks.append(demo_faults)
    settings = load(args, directory=directory, say_warnings=False, checks=checks, cached=False)
    assert directory is not None  # load() refuses a configuration it cannot find
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    found = routes(settings.inventory, settings.inventory.host_names)
    noted: dict[str, list[str]] = {}
    key_notes = _key_notes(settings.inventory)
    keyed: dict[str, list[str]] = {}
    for route in found:
        for note in route.notes:
            noted.setdefault(note, []).append(route.host)
        for note in key_notes(route.dest):
            keyed.setdefault(note, []).append(route.host)
    for said, found_notes in (("ssh_config", noted), ("keys", keyed)):
        for note, hosts in found_notes.items():
            shown = ", ".join(hosts[:5]) + (f" and {len(hosts) - 5} more" if len(hosts) > 5 else "")
            print(f"warning: {said} for {shown}: {note}", file=sys.stderr)
    unset = _unset_secrets(settings, directory) + _short_env_secrets(settings, directory)
    hops = unresolved_hops(found)
    # the demo fleet's keys are made as it starts, and recorded by it then; a jump host
    # whose name does not resolve is said as such, its key with it
    written = port_written(settings, directory)
    unresolved = {dest for dest, hop in hops.items() if hop.error is not None}
    keys = [] if demo else host_key_findings(found, skip=unresolved, written=written)
    misplaced = keys + unresolved_names(settings.inventory, hops)
    for line in misplaced:
        print(f"warning: {line}", file=sys.stderr)
    unroutable = [r for r in found if r.error]
    for route in unroutable:
        print(f"error: {route.host}: {route.error}", file=sys.stderr)
    if unroutable:
        return EXIT_USAGE
    host_count = len(settings.inventory.host_names)
    warnings = len(settings.warnings) + len(noted) + len(keyed) + unset + len(misplaced)
    warned = f", {counted(warnings, 'warning')}" if warnings else ""
    print(
        f"{directory}: ok: {counted(len(settings.inventory.systems), 'system')},"
        f" {counted(host_count, 'host')}, {counted(len(settings.strategies), 'strategy')},"
        f" {counted(len(settings.procedure.steps), 'step')}{warned}"
    )
    return EXIT_OK


def _key_notes(inventory):
    """What is true here of the keys each hop on the way to a host logs in with: one look
    at each list of identity files, however many hosts share it."""
    from console.engine.client_keys import login_key_notes

    named = frozenset(
        str(Path(name).expanduser())
        for names in [inventory.ssh.identity_files]
        + [h.identity_files for s in inventory.systems for h in s.hosts]
        for name in names
    )
    seen: dict[tuple[str, ...], list[str]] = {}

    def notes(dest) -> list[str]:
        if dest is None:
            return []
        out = []
        for hop in (*dest.hops, dest):
            if hop.identity_files not in seen:
                seen[hop.identity_files] = login_key_notes(hop.identity_files, named)
            prefix = f"jump host {hop.alias}: " if hop is not dest else ""
            out += [prefix + note for note in seen[hop.identity_files]]
        return out

    return notes


def counted(count: int, noun: str) -> str:
    """`1 system`, `3 systems`, `2 strategies`."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


def _unset_secrets(settings, directory: Path) -> int:
    """Warn of each notification channel whose secret's variable is not set here, whose
    URL variable does not hold an http(s) URL, or whose header variable holds what no
    header can carry, at the channel's key and line."""
    from console.model.toml_lines import key_lines, line_of

    path = directory / "procedure.toml"
    lines = key_lines(path.read_text(encoding="utf-8-sig")) if path.is_file() else {}
    count = 0
    for index, channel in enumerate(settings.procedure.channels):
        for name in channel.unset(os.environ):
            _warn(
                path,
                line_of(lines, ("channels", index, key := _key_naming(channel, name))),
                f"channels[{index}].{key}",
                f"${name} is not set here; sending on channel '{channel.name}' will warn"
                " until it is",
            )
            count += 1
        if name := channel.bad_url(os.environ):
            _warn(
                path,
                line_of(lines, ("channels", index, "url_env")),
                f"channels[{index}].url_env",
                f"${name} is set here to something that is not an http:// or https:// URL;"
                f" sending on channel '{channel.name}' will fail until it is one",
            )
            count += 1
        for name in channel.bad_headers(os.environ):
            _warn(
                path,
                line_of(lines, ("channels", index, "headers_env")),
                f"channels[{index}].headers_env",
                f"${name} is set here to something an HTTP header cannot carry (a line break,"
                " a control character or a character outside Latin-1); sending on channel"
                f" '{channel.name}' will fail until it can",
            )
            count += 1
    return count


def _short_env_secrets(settings, directory: Path) -> int:
    """Warn of each secret a variable holds here that is under 6 characters (masked only
    where it stands alone), at the key that names the variable: console.toml's
    [redact] env, a strategy's secret parameter, a channel's routing key or header."""
    from console.model.param_types import ParamType
    from console.model.short_secrets import short, short_said
    from console.model.toml_lines import key_lines, line_of

    named: list[tuple[str, tuple[str | int, ...], str]] = [
        ("console.toml", ("redact", "env", index), name)
        for index, name in enumerate(settings.console.redact.env)
    ]
    named += [
        ("strategies.toml", ("strategies", s, "params", p, "default"), param.default)
        for s, strategy in enumerate(settings.strategies)
        for p, param in enumerate(strategy.params)
        if param.secret and param.type is ParamType.ENV and param.default
    ]
    for index, channel in enumerate(settings.procedure.channels):
        if channel.routing_key_env:
            named.append(
                ("procedure.toml", ("channels", index, "routing_key_env"), channel.routing_key_env)
            )
        named += [
            ("procedure.toml", ("channels", index, "headers_env"), name)
            for name in channel.headers_env.values()
        ]
    count = 0
    for file, loc, name in named:
        if short(value := os.environ.get(name, "")):
            path = directory / file
            lines = key_lines(path.read_text(encoding="utf-8-sig")) if path.is_file() else {}
            key = ".".join(str(k) for k in loc[:1]) + "".join(
                f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc[1:]
            )
            _warn(path, line_of(lines, loc), key, short_said(value, name))
            count += 1
    return count


def _warn(path: Path, line: int | None, key: str, what: str) -> None:
    where = f"{path}:{line}" if line else str(path)
    print(f"warning: {where}: {key}: {what}", file=sys.stderr)


def _key_naming(channel, variable: str) -> str:
    """The channel's key that names `variable` (url_env, routing_key_env, headers_env)."""
    if variable == channel.url_env:
        return "url_env"
    if variable == channel.routing_key_env:
        return "routing_key_env"
    return "headers_env"


def import_ansible(args: argparse.Namespace) -> int:
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
    if args.output in (None, "", "-"):
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.output)
    if target.exists() and not args.force:
        raise UsageError(f"{target}: exists; choose another file or pass --force")
    _write(target, text)
    hosts = sum(len(s["hosts"]) for s in conversion.systems)
    systems = len(conversion.systems)
    print(
        f"{target}: wrote {counted(systems, 'system')}, {counted(hosts, 'host')}", file=sys.stderr
    )
    return EXIT_OK


def init(args: argparse.Namespace) -> int:
    from console.paths import ConfigNotYours, example_config, find_config, init_target

    target = Path(args.directory) if args.directory else init_target(args.config)
    source = example_config()
    clashes = [p.name for p in sorted(source.glob("*.toml")) if (target / p.name).exists()]
    if clashes:
        raise UsageError(
            f"{target}: would overwrite {', '.join(clashes)}; choose an empty directory"
        )
    for path in sorted(source.glob("*.toml")):
        _write(target / path.name, path.read_text(encoding="utf-8"))
    print(f"{target}: wrote {len(list(source.glob('*.toml')))} files; edit them, then run")
    print(f"  rollback-console check-config {target}")
    try:
        found = None if args.directory else find_config(args.config)
    except ConfigNotYours as exc:
        print(f"  ({exc})")
    else:
        if found is not None and found != target:
            print(f"  (here, {found} is read first: run the console elsewhere)")
    return EXIT_OK


def schema(args: argparse.Namespace) -> int:
    from console.model.schema import config_schema, file_names, file_schema

    def dumps(document: dict) -> str:
        return json.dumps(document, indent=2, sort_keys=True) + "\n"

    if args.write:
        target = Path(args.write)
        for name in file_names():
            path = target / f"{name.removesuffix('.toml')}.schema.json"
            _write(path, dumps(file_schema(name)))
            print(path)
        return EXIT_OK
    if args.file:
        try:
            sys.stdout.write(dumps(file_schema(Path(args.file).name)))
        except KeyError:
            known = ", ".join(file_names())
            raise UsageError(f"--file {args.file}: not a configuration file ({known})") from None
        return EXIT_OK
    sys.stdout.write(dumps(config_schema()))
    return EXIT_OK


def export(args: argparse.Namespace) -> int:
    path = existing_journal(args.journal, args.config)
    if args.output and args.output != "-":  # `-o -`: stdout, as the other tools read it
        torn = _export_to(Path(args.output), path, args)
    else:
        torn = _export(path, args.format, args.starred_only, args.first, sys.stdout.write)
    for line in torn:
        print(
            f"warning: {line.path}:{line.line}: torn last line ignored ({line.size} bytes)",
            file=sys.stderr,
        )
    return EXIT_OK


def _export_to(target: Path, journal: Path, args: argparse.Namespace) -> list:
    """Stream the document into a file beside `target` (0600 unless asked otherwise, in a
    0700 directory if made), renamed when complete: a journal line that turns out
    unreadable half-way leaves no half document behind; a failure is one line, exit 2.
    That file is a new one of a name nobody can foresee: in a directory another account
    may write (a team's), a link planted at a known name would have had the document
    written, and `--mode` given, to whatever file it points at."""
    import tempfile

    from console.journal.files import JournalError, make_dirs, replaceable

    mode = args.mode
    try:
        replaceable(target)
    except OSError as exc:
        raise UsageError(
            f"{target}: cannot write: {exc.strerror} (-o - writes to stdout)"
        ) from None
    try:
        make_dirs(target.parent)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except (OSError, JournalError) as exc:
        raise _cannot_write(target, exc) from None
    partial = Path(name)
    try:
        try:
            os.fchmod(fd, mode)
        except OSError as exc:
            os.close(fd)
            raise _cannot_write(target, exc) from None
        with open(fd, "w", encoding="utf-8") as out:
            # A bad journal: its error.
            torn = _export(journal, args.format, args.starred_only, args.first, out.write)
        os.replace(partial, target)
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    finally:
        partial.unlink(missing_ok=True)
    return torn


def _cannot_write(path: Path, exc: Exception) -> UsageError:
    return UsageError(f"{path}: cannot write: {getattr(exc, 'strerror', None) or exc}")


def _write(path: Path, text: str, mode: int = 0o600) -> None:
    """Every file the console writes is 0600 unless asked otherwise (export --mode), and
    a directory it makes for it 0700; a failure is one line, exit 2."""
    from console.journal.files import JournalError, write_private

    try:
        write_private(path, text.encode(), mode)
    except (OSError, JournalError) as exc:
        raise _cannot_write(path, exc) from None
