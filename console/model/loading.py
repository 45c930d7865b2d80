"""The one configuration loader: a directory of TOML files into Settings, or every
problem as one line `file:line: key.path: what is wrong`.

Steps, each adding to the same list of problems:
1. read each file (a dangling link, a directory, bad UTF-8 are problems; a BOM is not);
2. parse it as TOML (the parser's line is kept);
3. validate the whole document with the pydantic models, which also check templates,
   patterns, names and cross-references, each located at the key that is wrong;
   systems backed by an Ansible inventory get its hosts first (its errors are problems,
   what it cannot honour becomes a warning on Settings);
4. run the `checks` the caller adds (what this machine must have: keys, directories);
   their warnings join Settings.warnings.
"""

from __future__ import annotations

import grp
import os
import re
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from console.model.ansible.load import Reported, Seen, Written, ansible_said, with_ansible_hosts
from console.model.config_cache import cache_key, keep, read_cached
from console.model.files import FILES, REQUIRED
from console.model.problems import (
    ConfigError,
    ConfigProblem,
    Finding,
    did_you_mean,
    key_path,
    validation_findings,
)
from console.model.toml_hints import unquoted
from console.model.toml_lines import key_lines, line_of

if TYPE_CHECKING:  # loaded by load_settings: load_inventory needs the inventory's models only
    from console.model.inventory import Inventory
    from console.model.settings import Settings

TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")

Check = Callable[["Settings"], list[Finding]]


class _Sources:
    """Each file's path, text and key lines; the problems found so far. (A class of its
    own, not a dataclass: Python compiled its methods on every start, issue 18.)"""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.texts: dict[str, str] = {}
        self.problems: list[ConfigProblem] = []
        self.seen: list[Seen] = []  # the Ansible-backed systems' hosts as read

    def path(self, part: str) -> str:
        return str(self.directory / FILES.get(part, FILES["inventory"]))

    def add(self, part: str, message: str, key: str = "", line: int | None = None) -> None:
        self.problems.append(ConfigProblem(self.path(part), key, message, line))

    def locate(self, finding: Finding) -> ConfigProblem:
        """A finding as a problem of its own file, at the line of its key."""
        part = finding.part if finding.part in FILES else "inventory"
        loc = finding.loc if part != "strategies" else ("strategies", *finding.loc)
        line = line_of(key_lines(self.texts.get(part, "")), loc)
        return ConfigProblem(self.path(part), key_path(loc), finding.message, line)


def load_settings(
    directory: Path,
    checks: Sequence[Check] = (),
    read: InventoryRead | None = None,
    cache: Path | None = None,
    files: dict[str, bytes | str] | None = None,
) -> Settings:
    """Read and validate a configuration directory, or raise ConfigError. With `read`
    (load_inventory's, of this directory), inventory.toml is that text and that model:
    not read, parsed nor validated again (per host, the largest part of a load). With
    `cache` (a file: config_cache.py), a configuration validated before is made from it,
    and one validated now is kept there; the `checks` run either way. `files`: the
    directory's files as `read_files` gave them, read already (not read again)."""
    from console.model.settings import Settings

    if not directory.is_dir():
        what = "does not exist" if not directory.exists() else "is not a directory"
        raise ConfigError([ConfigProblem(str(directory), "", what)])
    if not os.access(directory, os.R_OK | os.X_OK):  # a team's, of a group not this account's
        raise ConfigError([ConfigProblem(str(directory), "", _not_readable(directory))])
    sources = _Sources(directory)
    files = read_files(directory) if files is None else files
    key = key_of(directory, files) if cache is not None else None
    settings: Settings | None = None
    if read is not None and read.key is not None and read.key == key:
        settings = read.settings
    elif cache is not None and key is not None:
        settings = read_cached(cache, key, Settings)
    found: list[tuple[ConfigProblem, bool]] = []
    if settings is None:
        settings, found = _validated(sources, files, read)
        if cache is not None and key is not None and _keepable(settings, sources, files, read):
            keep(cache, key, settings)
    else:
        sources.texts = {p: _text(data) for p, data in files.items() if isinstance(data, bytes)}
    findings = [finding for check in checks for finding in check(settings)]
    sources.problems += [sources.locate(f) for f in findings if not f.warning]
    if sources.problems:
        raise ConfigError(sources.problems)
    warnings = [problem for problem, error in found if not error]
    settings.found_in(
        directory,
        warnings + [sources.locate(f) for f in findings if f.warning],
        files,
        sources.seen,
    )
    return settings


def _keepable(
    settings: Settings, sources: _Sources, files: dict[str, bytes | str], read: InventoryRead | None
) -> bool:
    """Whether what was validated is what the key says: no problem was found beside the
    models (a strategies.toml key they never see), the inventory `read` earlier is the
    one read now (else it changed in between), and no system reads its hosts from
    Ansible (its loader reads trees of group_vars and host_vars the key does not hold)."""
    inventory = files["inventory"]
    if read is not None and not (isinstance(inventory, bytes) and _text(inventory) == read.text):
        return False
    systems = settings.inventory.systems
    return not sources.problems and all(system.ansible is None for system in systems)


def _validated(
    sources: _Sources, files: dict[str, bytes | str], read: InventoryRead | None
) -> tuple[Settings, list[tuple[ConfigProblem, bool]]]:
    """The files parsed and validated, with what their Ansible inventories could not
    honour (True: an error), or ConfigError with every problem."""
    from console.model.settings import Settings

    directory = sources.directory
    if read is not None:
        sources.texts["inventory"] = read.text
    raw = {
        part: None if read is not None and part == "inventory" else _parse(sources, part, data)
        for part, data in files.items()
    }
    _misnamed_files(sources)
    if sources.problems:
        raise ConfigError(sources.problems)
    document: dict[str, Any] = {part: value for part, value in raw.items() if value is not None}
    if isinstance(options := document.get("console"), dict):
        for key in ("journal_dir", "lock_dir"):
            if key in options:
                options[key] = anchored(options[key], directory)
    strategies = document.get("strategies", {})
    if unknown := sorted(set(strategies) - {"strategies"}):  # else its lines go unindexed
        lines = key_lines(sources.texts.get("strategies", ""))
        for key in unknown:
            hint = did_you_mean(key, ["strategies"])
            sources.add("strategies", f"unknown key{hint}", key, line_of(lines, (key,)))
    document["strategies"] = strategies.get("strategies", [])
    written: list[Written] = []  # where an Ansible host's values were written
    if read is not None:  # a model instance: pydantic takes it as it is
        document["inventory"], reported, sources.seen = read.inventory, read.reported, read.seen
    else:
        inventory = document.get("inventory")
        document["inventory"], reported = with_ansible_hosts(
            inventory, directory, written, sources.seen
        )
    found = _ansible_problems(reported, sources)
    sources.problems += [problem for problem, error in found if error]
    from pydantic import ValidationError  # only to validate: a hit never imports it

    try:
        settings = Settings.validated(document)
    except ValidationError as exc:
        # A system whose Ansible group could not be read has no hosts: said once, there.
        unread = {("systems", item.system) for item in reported if item.finding.error}
        sources.problems += [
            ansible_said(finding, written) or sources.locate(finding)
            for finding in validation_findings(exc, Settings)
            if not (
                finding.part == "inventory"
                and finding.loc in unread
                and "no hosts" in finding.message
            )
        ]
        raise ConfigError(sources.problems) from None
    return settings, found


def configured_journal_dir(directory: Path) -> str | None:
    """console.toml's journal_dir as written, or None (not given, or the file has a problem
    that loading the configuration says): where to look for an incident named by its id."""
    sources = _Sources(directory)
    value = anchored((_parse(sources, "console") or {}).get("journal_dir"), directory)
    return value if isinstance(value, str) else None


def anchored(value: object, directory: Path) -> object:
    """A relative journal_dir or lock_dir is read from the configuration's directory (as
    an Ansible inventory is), not from wherever a command runs: journals and locks stay
    in one place whatever the current directory."""
    if isinstance(value, str) and value and not value.startswith("~"):
        return str(directory.absolute() / value)  # an absolute value stays as it is
    return value


class InventoryRead(NamedTuple):
    """inventory.toml as load_inventory read and validated it, and console.toml's lock_dir
    as written; from the cache, the whole configuration it was read with and its key
    (load_settings takes it as it is when the files' key is still that)."""

    text: str
    inventory: Inventory
    reported: list[Reported]  # what its Ansible inventories could not honour (no errors)
    lock_dir: str | None
    key: str | None = None
    settings: Settings | None = None
    seen: list[Seen] = []  # its Ansible-backed systems' hosts as read


def load_inventory(directory: Path, cache: Path | None = None) -> InventoryRead | None:
    """inventory.toml alone, validated (its Ansible-backed systems' hosts filled in): what
    exec dials its hosts with while the rest of the configuration loads, before any of it
    is used (load_settings, given it, takes it as it is and validates the whole with it).
    With `cache`, a configuration validated before gives its inventory. None at the first
    problem: load_settings says what it is."""
    from console.model.inventory import Inventory
    from console.model.settings import Settings

    if cache is not None and directory.is_dir():
        files = read_files(directory)
        key = key_of(directory, files)
        hit = read_cached(cache, key, Settings) if key is not None else None
        inventory_bytes = files["inventory"]
        if hit is not None and isinstance(inventory_bytes, bytes):
            text = _text(inventory_bytes)
            return InventoryRead(text, hit.inventory, [], hit.console.lock_dir, key, hit)
    sources = _Sources(directory)
    inventory = _parse(sources, "inventory") if directory.is_dir() else None
    options = _parse(sources, "console") or {}
    lock_dir = anchored(options.get("lock_dir"), directory)
    if inventory is None or sources.problems or not isinstance(lock_dir, str | None):
        return None
    seen: list[Seen] = []
    inventory, reported = with_ansible_hosts(inventory, directory, seen=seen)
    if any(item.finding.error for item in reported):
        return None
    from pydantic import ValidationError

    try:
        model = Inventory.validated(inventory)
    except ValidationError:
        return None
    return InventoryRead(sources.texts["inventory"], model, reported, lock_dir, seen=seen)


def _ansible_problems(
    reported: list[Reported], sources: _Sources
) -> list[tuple[ConfigProblem, bool]]:
    """Findings in Ansible inventories as problems (file:line), each once; True: an error."""
    if not reported:  # the usual case: the inventory's key lines are not worth indexing
        return []
    out: dict[ConfigProblem, bool] = {}
    lines = key_lines(sources.texts.get("inventory", ""))
    for item in reported:
        finding = item.finding
        if finding.about:
            loc = ("systems", item.system, "ansible", finding.about)
            problem = ConfigProblem(
                sources.path("inventory"), key_path(loc), finding.message, line_of(lines, loc)
            )
        else:
            problem = ConfigProblem(finding.where.file, "", finding.message, finding.where.line)
        out[problem] = out.get(problem, False) or finding.error
    return list(out.items())


def _not_readable(directory: Path) -> str:
    """`cannot be read by this account (root:team, mode 2750)`: whose it is, so the reader
    knows whom to ask (it was an internal error: a PermissionError)."""
    import pwd
    import stat

    found = directory.stat()
    try:
        owner = pwd.getpwuid(found.st_uid).pw_name
    except KeyError:
        owner = str(found.st_uid)
    try:
        group = grp.getgrgid(found.st_gid).gr_name
    except KeyError:
        group = str(found.st_gid)
    mode = stat.S_IMODE(found.st_mode)
    return f"cannot be read by this account ({owner}:{group}, mode {mode:o})"


ABSENT = "absent"


def read_files(directory: Path) -> dict[str, bytes | str]:
    """Each file of the configuration as `read_file` gives it: read once, for the cache's key
    and the parse alike."""
    return {part: read_file(directory, part) for part in FILES}


def key_of(directory: Path, files: dict[str, bytes | str]) -> str | None:
    """The cache's key of the configuration in `directory` whose files are `files`; None
    where this account may not read what the key holds (console/model's sources, pydantic's
    files): no cache then, never a failed load (it was 'internal error: PermissionError')."""
    try:
        return cache_key(directory, files, _toml_names(directory))
    except OSError:
        return None


def read_file(directory: Path, part: str) -> bytes | str:
    """One file's bytes, read once (the cache's key and the parse read the same), else
    ABSENT or the problem that stood in their place."""
    path = directory / FILES[part]
    if path.is_symlink() and not path.exists():
        return f"is a symbolic link to {path.readlink()}, which does not exist"
    if not path.exists():
        return ABSENT
    if not path.is_file():
        return "is not a regular file"
    try:
        return path.read_bytes()
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"


def _parse(sources: _Sources, part: str, data: bytes | str | None = None) -> dict[str, Any] | None:
    """One file's TOML (`data`: as `read_file` gave it, else read now), or None (missing and
    optional, or a problem was added)."""
    if data is None:
        data = read_file(sources.directory, part)
    if isinstance(data, str):
        if data != ABSENT:
            sources.add(part, data)
        elif part in REQUIRED:
            sources.add(part, "is missing")
        return None
    try:
        text = _text(data)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        sources.add(part, f"is not UTF-8 text (byte {data[exc.start]:#04x})", line=line)
        return None
    sources.texts[part] = text
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = TOML_POSITION.search(message)
        at = int(position.group(1)) if position else None
        if position:
            message = f"{message[: position.start()]} (column {position.group(2)})"
        sources.add(part, f"is not valid TOML: {message}{unquoted(text, at)}", line=at)
        return None


def _toml_names(directory: Path) -> list[str]:
    """The names of the directory's `*.toml` and `*.tml` files, sorted."""
    return sorted(p.name for p in directory.iterdir() if p.suffix in (".toml", ".tml"))


def _text(data: bytes) -> str:
    return data.decode("utf-8-sig")  # a byte order mark is allowed, and skipped


def _misnamed_files(sources: _Sources) -> None:
    """A TOML file whose name is close to one the console reads is almost surely a typo:
    left unread, it would silently drop what it holds (console.tml: all redaction)."""
    for name in _toml_names(sources.directory):
        if name in FILES.values():
            continue
        hint = did_you_mean(name, FILES.values())
        if hint:
            problem = ConfigProblem(str(sources.directory / name), "", f"is not read{hint}")
            sources.problems.append(problem)
