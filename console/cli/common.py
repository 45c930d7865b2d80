"""What several commands share: the configuration, fault injection, name lists, journals."""

from __future__ import annotations

import argparse
import grp
import re
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from console.cli.parser import UsageError

INCIDENT_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{4}")  # as the conductor names incidents

if TYPE_CHECKING:
    from collections.abc import Sequence

    from console.demo.faults import Fault
    from console.model.inventory import Inventory
    from console.model.loading import Check, InventoryRead
    from console.model.settings import Settings


def load(
    args: argparse.Namespace,
    demo: bool = False,
    directory: Path | None = None,
    say_warnings: bool = True,
    checks: Sequence[Check] = (),
    read: InventoryRead | None = None,
    cached: bool = True,
    files: dict[str, bytes | str] | None = None,
) -> Settings:
    """The one loader every command and the console use: the configuration's text, then
    what this machine must have to run it (keys, writable directories). Its warnings
    are said on stderr (check-config says them its own way, with its own `checks`).
    `read`: inventory.toml as exec read it already (`load_inventory`). `cached`: through
    the validated-configuration cache (check-config validates every time). `files`: the
    directory's files as read already (an incident's kept copy: kept_config.py)."""
    from console.cli.debuglog import redact_with
    from console.engine.preflight import machine_problems
    from console.model.loading import load_settings
    from console.paths import config_cache, demo_config, find_config

    yours = {"demo": "run rollback-console --config DIR alone"}.get(
        args.command, "leave out --demo"
    )
    if demo and args.config and (args.command == "demo" or getattr(args, "demo", False)):
        raise UsageError(
            f"--config {args.config}: the demo fleet runs on its own embedded configuration;"
            f" leave out --config for the demo, or {yours} for your fleet"
        )
    if directory is None:
        directory = demo_config() if demo else find_config(args.config)
    if directory is None:
        raise UsageError(no_configuration(args.config))
    repeat_in_hints(directory, demo)
    checks = [partial(machine_problems, scope=_key_scope(args)), _theme_problems, *checks]
    if args.command in KEYED_COMMANDS:  # the others press no key
        checks.append(_keymap_problems)
    cache = config_cache() if cached else None
    settings = load_settings(directory, checks=checks, read=read, cache=cache, files=files)
    redact_with(settings)
    if say_warnings:
        from console.model.visible import visible

        for warning in settings.warnings:
            print(f"warning: {visible(str(warning))}", file=sys.stderr)
    return settings


def _key_scope(args: argparse.Namespace) -> frozenset[str] | None:
    """The systems whose hosts left no key to log in with refuse this command: every one
    for check-config (None), those it names with --systems; none for any other (the
    console, resume: said as a warning, and by each host's SSH check or login)."""
    if args.command == "check-config":
        return None
    return frozenset(split(getattr(args, "systems", None) or ""))


def repeat_in_hints(directory: Path, demo: bool) -> None:
    """The command lines printed for a person to run next name this configuration, unless
    every shell finds it anyway (the user config dir; the demo's, which `--demo` names).
    Which one is decided when the first line is printed: the user config dir is
    platformdirs' (~9 M instructions), and most runs of exec print no line (issue 18)."""
    from console.model.invocation import repeat_config

    if demo:
        repeat_config(None)
        return
    resolved, absolute = directory.resolve(), str(directory.absolute())

    def named() -> str | None:
        from console.paths import demo_config, user_config_dir

        found_anywhere = resolved in (user_config_dir().resolve(), demo_config().resolve())
        return None if found_anywhere else absolute

    repeat_config(named)


def _theme_problems(settings: Settings) -> list:
    """A theme console.toml names but no theme has (textual is loaded only if one is named)."""
    if settings.console.theme is None:
        return []
    from console.ui.theme import theme_findings

    return theme_findings(settings)


# The commands whose keys a [keymap] changes (None: the console itself), and check-config.
KEYED_COMMANDS = (None, "demo", "resume", "follow", "check-config")


def _keymap_problems(settings: Settings) -> list:
    """A [keymap] key another binding of the same screen has (textual is loaded only if a
    keymap is given)."""
    if not settings.console.keymap:
        return []
    from console.model.problems import Finding
    from console.ui.keys import keymap_conflicts

    return [
        Finding("console", ("keymap", binding_id), why)
        for binding_id, why in keymap_conflicts(settings.console.keymap)
    ]


def no_configuration(explicit: str | None) -> str:
    """The first run: where the console looked, and the two ways on."""
    from console.paths import config_places

    places = "\n".join(f"  {p.label:<26} {p.status}" for p in config_places(explicit))
    return (
        "no configuration found. Looked in, in order:\n"
        f"{places}\n"
        "Try the console on an embedded demo fleet:  rollback-console demo\n"
        "Start a configuration of your own:          rollback-console init\n"
        "  (into the user config dir above, read with no option; or init DIR, then pass\n"
        "  --config DIR, or set $ROLLBACK_CONSOLE_CONFIG, or name it ./config)"
    )


def parse_faults(texts: list[str], settings: Settings, demo: bool) -> list[Fault]:
    if not texts:
        return []
    from console.demo.faults import Fault

    if not demo:
        raise UsageError("--inject only works on the demo fleet (add --demo)")
    try:
        return [Fault.parse(t, settings.inventory.host_names) for t in texts]
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def split(text: str) -> list[str]:
    """The names of a comma-separated option, each once (`web,web` ran every host twice)."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def resolve_hosts(inventory: Inventory, systems: list[str], hosts: list[str]) -> list[str]:
    """The hosts of `systems`, narrowed to `hosts` if given; unknown names are usage errors."""
    from console.model.problems import did_you_mean

    if not systems:  # `--systems "$SYSTEMS"` with the variable empty
        known = ", ".join(s.name for s in inventory.systems)
        raise UsageError(f"--systems: no system named (known: {known})")
    names: list[str] = []
    for system in systems:
        try:
            names += [h.name for h in inventory.system(system).hosts]
        except KeyError:
            raise UsageError(f"--systems: {unknown_system(inventory, system)}") from None
    outside = [h for h in hosts if h not in names]
    if outside:
        hint = did_you_mean(outside[0], names)
        raise UsageError(f"--hosts: {', '.join(outside)} not in systems {', '.join(systems)}{hint}")
    return [h for h in names if not hosts or h in hosts]


def unknown_system(inventory: Inventory, name: str) -> str:
    from console.model.problems import did_you_mean

    known = [s.name for s in inventory.systems]
    return f"unknown system {name!r}{did_you_mean(name, known)} (known: {', '.join(known)})"


def existing_journal(text: str, config: str | None) -> Path:
    """The journal JOURNAL names: a journal.jsonl, its incident's directory, or the
    incident's id, looked for where incidents live (console.toml's journal_dir, this
    account's state directory, the demo's)."""
    from console.journal.files import JOURNAL_NAME, followed, journal_path
    from console.paths import find_config

    try:
        path = journal_path(Path(text))
        if path.is_symlink():  # one the user made: followed as far as it is theirs
            try:
                path = followed(path)
            except OSError as exc:
                raise UsageError(f"{text}: {exc.strerror}") from None
        if path.is_file():
            return path
        places = _incident_places(config)
        if not INCIDENT_ID.fullmatch(text):
            near = "" if "/" in text else _near_incident(text, places)
            raise UsageError(
                f"{text}: no journal there (expected a {JOURNAL_NAME} or its directory){near}"
            )
        for place in places:
            if (place / text / JOURNAL_NAME).is_file():
                return place / text / JOURNAL_NAME
    except PermissionError as exc:
        raise UsageError(_not_readable(Path(exc.filename))) from None
    looked = ", ".join(str(p) for p in places)
    if find_config(config) is None:  # a journal_dir set in a configuration not found here
        looked += "; no configuration found: --config DIR reads its console.toml's journal_dir"
    raise UsageError(
        f"{text}: no incident of that id (looked in {looked}){_near_incident(text, places)}"
    )


def _near_incident(text: str, places: list[Path]) -> str:
    """' (did you mean ID?)' for the one incident here whose id begins or ends with `text`
    (its time typed short, or its last four), else the closest to it; '' when none is."""
    from console.journal.files import JOURNAL_NAME
    from console.model.problems import did_you_mean

    ids: set[str] = set()
    for place in places:
        try:
            ids |= {
                d.name
                for d in place.iterdir()
                if INCIDENT_ID.fullmatch(d.name) and (d / JOURNAL_NAME).is_file()
            }
        except OSError:
            continue
    matching = sorted(i for i in ids if i.startswith(text) or i.endswith(text))
    if len(matching) == 1:
        return f" (did you mean {matching[0]!r}?)"
    if matching:
        return f" ({len(matching)} incidents match it, the latest {matching[-1]}: name one whole)"
    return did_you_mean(text, ids)


def unknown_step(named: str, step: str, steps: list[str], which: str = "steps") -> UsageError:
    """STEP (or --step) naming no step of the procedure: the closest, and those it may
    name (the ids, not the titles the console shows)."""
    from console.model.problems import did_you_mean

    return UsageError(
        f"{named} {step!r}: no such step in the procedure{did_you_mean(step, steps)}"
        f" (its {which}: {', '.join(steps) or 'none'})"
    )


SHARE = (
    "; a team follows its incidents in a journal_dir of its group (mode 2770), named in"
    " each member's console.toml"
)


def _not_readable(path: Path) -> str:
    """An incident this account may not read: another account's, private to it, or a
    team's whose group this account is not in (it read "private to it" of a 2770
    journal_dir shared by its group)."""
    import pwd
    import stat

    from console.journal.files import JOURNAL_NAME

    for at in (path, *path.parents):
        try:
            found = at.stat()
            owner = pwd.getpwuid(found.st_uid).pw_name
        except (OSError, KeyError):
            continue
        mode = stat.S_IMODE(found.st_mode)
        if not mode & 0o050:  # nothing for its group
            said = f"{path}: not readable by this account: {at} is {owner}'s, private to it"
            # above the incident's own directory: its journal_dir is no team's (walked: a
            # teammate's `follow` of an incident in a home's state dir said no more)
            own = path.parent if path.name == JOURNAL_NAME else path
            return said + (SHARE if at not in (path, own) else "")
        try:
            group = grp.getgrgid(found.st_gid).gr_name
        except KeyError:
            group = str(found.st_gid)
        return (
            f"{path}: not readable by this account: {at} is {owner}'s, shared with group"
            f" {group} (mode {mode:o}), which this account is not in"
        )
    return f"{path}: not readable by this account"


def _incident_places(config: str | None) -> list[Path]:
    from console.model.loading import configured_journal_dir
    from console.paths import find_config, incidents_dir

    directory = find_config(config)
    configured = configured_journal_dir(directory) if directory else None
    places = [incidents_dir(configured=configured), incidents_dir(), incidents_dir(demo=True)]
    return list(dict.fromkeys(places))
