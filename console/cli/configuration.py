"""Commands that write a configuration: init, import-ansible, schema; and how every file
the console writes is written (0600, one line on failure)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from console.cli.parser import EXIT_OK, EXIT_USAGE, UsageError


def counted(count: int, noun: str) -> str:
    """`1 system`, `3 systems`, `2 strategies`."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


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


def cannot_write(path: Path, exc: Exception) -> UsageError:
    return UsageError(f"{path}: cannot write: {getattr(exc, 'strerror', None) or exc}")


def _write(path: Path, text: str, mode: int = 0o600) -> None:
    """Every file the console writes is 0600 unless asked otherwise (export --mode), and
    a directory it makes for it 0700; a failure is one line, exit 2."""
    from console.journal.files import JournalError, write_private

    try:
        write_private(path, text.encode(), mode)
    except (OSError, JournalError) as exc:
        raise cannot_write(path, exc) from None
