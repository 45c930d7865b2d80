"""check-config: validates a configuration and says, at the file, key and line, what will
not work here (unset secrets, unresolved names and keys, hosts no route reaches)."""

from __future__ import annotations

import argparse
import functools
import os
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from console.cli.common import load
from console.cli.configuration import counted
from console.cli.parser import EXIT_OK, EXIT_USAGE


def check_config(args: argparse.Namespace) -> int:
    from console.engine.hop_names import unresolved_hops, unresolved_names
    from console.engine.key_names import host_key_findings
    from console.engine.port_written import port_written
    from console.engine.routes import routes
    from console.model.coverage import (
        countless_triggers,
        defaults_ahead,
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
        whole_repositories,
    )
    from console.model.drill_targets import odd_drill_targets
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
        odd_drill_targets,
        unchecked_rollouts,
        unwatched_canaries,
        whole_repositories,
        countless_triggers,
        short_secrets,
    ]
    demo = directory is not None and directory.resolve() == demo_config().resolve()
    if not demo:
        checks.append(demo_faults)
    checks.append(functools.partial(defaults_ahead, now=datetime.now(UTC)))  # as run says
    settings = load(args, directory=directory, say_warnings=False, checks=checks, cached=False)
    assert directory is not None  # load() refuses a configuration it cannot find
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    found = routes(settings.inventory, settings.inventory.host_names)
    noted: dict[str, list[str]] = {}
    key_notes = _key_notes(settings.inventory)
    keyed: dict[str, list[str]] = {}
    keyless = _keyless(settings.inventory, found)  # said below, with the file and line
    for route in found:
        for note in route.notes:
            noted.setdefault(note, []).append(route.host)
        for note in key_notes(route.dest) if route.host not in keyless.hosts else ():
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
        print(_folded(f"warning: {line}"), file=sys.stderr)
    files = _open_files(found)
    for line in files:
        print(f"warning: {line}", file=sys.stderr)
    unroutable = [r for r in found if r.error]
    for route in unroutable:
        print(f"error: {route.host}: {route.error}", file=sys.stderr)
    for line in keyless.lines:  # an error where a system has no host that could log in
        print(f"{'error' if keyless.refused else 'warning'}: {line}", file=sys.stderr)
    if unroutable or keyless.refused:
        return EXIT_USAGE
    if reached := _drills_reach_production(settings):  # as `drill` refuses it
        for line in reached:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_USAGE
    host_count = len(settings.inventory.host_names)
    warnings = len(settings.warnings) + len(noted) + len(keyed) + unset + len(misplaced)
    warnings += len(files)
    warned = f", {counted(warnings, 'warning')}" if warnings else ""
    drills = settings.drills  # said when there are any: drills.toml read, or not there
    drilled = (
        f", {counted(len(drills.scenarios), 'drill scenario')},"
        f" {counted(len(drills.schedule), 'schedule entry')}"
        if drills.scenarios
        else ""
    )
    print(
        f"{directory}: ok: {counted(len(settings.inventory.systems), 'system')},"
        f" {counted(host_count, 'host')}, {counted(len(settings.strategies), 'strategy')},"
        f" {counted(len(settings.procedure.steps), 'step')}{drilled}{warned}"
    )
    return EXIT_OK


def _folded(said: str) -> str:
    """A warning with commands to run after its words (`words\ncommand...`) at 80
    columns: the words wrapped, each command on a line of its own, indented and whole
    to paste (it read as one line of 500 columns, the commands joined by `;`)."""
    words, *commands = said.split("\n")
    if not commands:
        return said
    text = textwrap.fill(
        words, 80, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
    )
    return "\n".join([text, *(f"    {command}" for command in commands)])


def _open_files(found) -> list[str]:
    """Whether a run's connections fit in the open files this jump host allows."""
    from console.cli.open_files import too_few_for
    from console.engine.open_connections import files_of

    dests = [route.dest for route in found if route.dest is not None]
    hops = {hop for dest in dests for hop in dest.hops}
    said = too_few_for(sum(files_of(d) for d in [*dests, *hops]))
    return [said] if said else []


def _keyless(inventory, found):
    """The logins bound to fail: keys named in ssh_config alone, none of them loading,
    with no ssh-agent (as run refuses them: engine/routes.py)."""
    from console.engine.client_keys import config_keyless

    system_of = {h.name: s.name for s in inventory.systems for h in s.hosts}
    return config_keyless((r.host, system_of[r.host], r.dest) for r in found if r.dest)


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


def _drills_reach_production(settings) -> list[str]:
    """Each drilled host whose route ends on a production host's machine."""
    from console.engine.drill import drill_systems
    from console.engine.drill_reach import production_reached

    scenarios = settings.drills.scenarios
    systems = [s for scenario in scenarios for s in drill_systems(settings, scenario)]
    return production_reached(settings.inventory, list(dict.fromkeys(systems)))


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
