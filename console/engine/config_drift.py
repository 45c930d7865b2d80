"""The configuration files a running console read at start, against the files as they are
now. The console runs what it read: what a confirmation shows is what runs. A file edited
since (a teammate fixing strategies.toml mid-incident) is not taken up under the commander
half-way through an incident: where a step is confirmed, the console says which file
changed and what in it, that the run sends what the confirmation shows, the version read
at start, and how to use the file as it is now; the run's record says so too
(`Drift.record`). drills.toml is the drills screen's to read again (ui/drills_file.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from console.engine.config_opened import hosts_digest, masked_digest, parsed_toml
from console.engine.config_secrets import SECRET_CHANGED, written_secrets
from console.journal.redact import Redactor, settings_redactor
from console.model.ansible.load import Seen, inventory_path, with_ansible_hosts
from console.model.files import FILES
from console.model.loading import ABSENT, load_settings, read_files
from console.model.problems import ConfigError
from console.model.visible import visible

if TYPE_CHECKING:
    from console.engine.conductor import Conductor


class ReadAtStart(Protocol):
    """What settings were read from (the console's ui/drills_file.DrillsFile)."""

    directory: Path | None
    at_start: dict[str, bytes | str]
    ansible_at_start: list[Seen]


SAID_CHANGES = 3  # the changes a file's notice names; the rest are counted
SHOWN_VALUE = 30  # characters of a changed value said, … after
HEADLINE = 66  # the notice's line above the commands: one row of the dialog at 80 columns
NAME_KEYS = ("name", "id", "phase")  # what names a table in a list, tried in turn
# A channel's keys whose values are its secrets (procedure.toml): said changed, never shown.
SECRET_KEYS = ("url", "routing_key", "headers")
UNUSED = "not used by this incident: it keeps the value it chose"
Chosen = tuple[str | None, Mapping[str, str]]  # the strategy an incident chose, its values


class Changed(NamedTuple):
    """A file of the configuration that is not what the console read at start."""

    name: str  # strategies.toml
    changes: list[str]  # `version-rollback.params.restart.default: "a" → "b"`, or why none
    started: str  # sha256 of the file at start, its secrets masked: its first 12 hex digits
    now: str  # that of the file now ("" when it is gone)

    def said(self) -> str:
        """`strategies.toml (version-rollback.params.restart.default: "sudo …" → "sleep 20")`."""
        shown = self.changes[:SAID_CHANGES]
        more = len(self.changes) - len(shown)
        if more:
            shown.append(f"and {more} more")
        return f"{self.name} ({'; '.join(shown)})" if shown else self.name


def _shown(value: object, mask: Callable[[str], str]) -> str:
    """The value whole, its secrets masked (before any cut: a secret cut short is one no
    redactor knows; the record kept its first 28 characters)."""
    said = repr(value) if not isinstance(value, str) else f'"{value}"'
    return visible(mask(said), one_line=True)


def _cut(said: str, start: int) -> str:
    """`said` from `start` (… before), cut to SHOWN_VALUE characters (… after)."""
    said = f"…{said[start:]}" if start else said
    return said if len(said) <= SHOWN_VALUE else said[: SHOWN_VALUE - 1] + "…"


def _change(before: str, after: str) -> str:
    """`"a" → "b"`, each cut to SHOWN_VALUE characters from where they differ when that
    is past the cut (seen: two 47-character commands that differed at their 41st read
    alike, '"echo {{message}} >> /tmp/h25… → "echo {{message}} >> /tmp/h25…')."""
    pairs = enumerate(zip(before, after, strict=False))
    same = next((i for i, (a, b) in pairs if a != b), min(len(before), len(after)))
    start = same - SHOWN_VALUE // 3 if same > SHOWN_VALUE - 4 else 0
    return f"{_cut(before, start)} → {_cut(after, start)}"


def named_tables(items: list[Any]) -> dict[str, Any] | None:
    """A list of tables each with its own name (`name`; a step's `id`, a phase's `phase`),
    by that name (else None)."""
    for key in NAME_KEYS:
        if all(isinstance(i, dict) and isinstance(i.get(key), str) for i in items):
            named = {i[key]: i for i in items}
            if len(named) == len(items):
                return named
    return None


def _secret(path: str) -> bool:
    """A channel's secret (`channels.oncall.routing_key`, `channels.hook.headers.X`), or
    console.toml's redacted values (`redact.values`)."""
    parts = path.split(".")
    channel = parts[0] == "channels" and any(key in parts[2:] for key in SECRET_KEYS)
    return channel or path == "redact.values"


def kept_by_incident(changes: list[str], chosen: Chosen) -> list[str]:
    """`changes`, a default of the parameters the incident chose already (`chosen`: its
    strategy, and the values it keeps) said not used by it: what runs is the value it chose
    (seen: a teammate's new default said as if it would run)."""
    strategy, params = chosen
    keys = {f"strategies.{strategy}.params.{name}.default:" for name in params}
    return [f"{c} ({UNUSED})" if c.startswith(tuple(keys)) else c for c in changes]


def differences(
    before: object, after: object, path: str = "", mask: Callable[[str], str] = str
) -> list[str]:
    """Where `after` differs from `before` (parsed TOML), one line each: tables and lists of
    named tables (strategies, parameters, systems, hosts) by key and name; values through
    `mask`, a channel's secrets never."""
    at = path or "(the whole file)"
    if isinstance(before, list) and isinstance(after, list):
        old, new = named_tables(before), named_tables(after)
        if old is not None and new is not None:
            before, after = old, new
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[str] = []
        for key in [*before, *(k for k in after if k not in before)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in after:
                found.append(f"{where} removed")
            elif key not in before:
                found.append(f"{where} added")
            elif before[key] != after[key]:
                found += differences(before[key], after[key], where, mask)
        return found
    if before == after:
        return []
    if _secret(at):  # said as the incident's opening says it (config_secrets.py)
        return [f"{at}: {SECRET_CHANGED}"]
    if isinstance(before, dict | list) or isinstance(after, dict | list):
        return [f"{at} changed"]
    return [f"{at}: {_change(_shown(before, mask), _shown(after, mask))}"]


class Drift:
    """The files read at start (`at_start`, as `read_files` gave them), and how those of
    them the console reads once differ now."""

    def __init__(
        self,
        directory: Path | None,
        at_start: dict[str, bytes | str],
        ansible: list[Seen] | None = None,
    ):
        self.directory = directory
        self.at_start = at_start
        self.ansible = ansible or []  # Settings.ansible_read: its Ansible inventories' hosts
        self.now: dict[str, bytes | str] = at_start  # the files at the last look
        self.ansible_now: list[Seen] = self.ansible  # and its Ansible inventories
        self.chosen: Chosen = (None, {})  # the incident's strategy and values, once chosen
        self._loads: tuple[object, str] = ((at_start, self.ansible), "")
        self._started: Redactor | None = None  # the secrets of the configuration at start
        self._written: tuple[dict[str, bytes | str], Redactor] = (at_start, Redactor())

    @classmethod
    def of(cls, read: ReadAtStart) -> Drift:
        """The drift from what the settings in use were read from."""
        return cls(read.directory, read.at_start, read.ansible_at_start)

    def changed(self) -> list[Changed]:
        """The files changed since the console started, in FILES' order (drills.toml left
        to its own re-read). Reads each file, small, where a step is confirmed."""
        if self.directory is None:
            return []
        self.now = read_files(self.directory)
        found = []
        for part, name in FILES.items():
            if part == "drills":
                continue
            before, now = self.at_start.get(part, ABSENT), self.now[part]
            if now == before:
                continue
            old, new = parsed_toml(before), parsed_toml(now)
            if isinstance(now, str) and now != ABSENT:
                changes = [now]  # `cannot be read: Permission denied`
            elif new is None:
                changes = ["not valid TOML as it is now"]
            else:
                changes = differences(old, new, "", self.mask) if old is not None else ["changed"]
                changes = kept_by_incident(changes, self.chosen)
            if changes:  # a comment or spacing alone changes nothing that runs
                started, now_read = masked_digest(before, self.mask), masked_digest(now, self.mask)
                found.append(Changed(name, changes, started[:12], now_read[:12]))
        return found + self._ansible_changed()

    def _ansible_changed(self) -> list[Changed]:
        """The Ansible inventories (as inventory.toml read at start names them) whose
        hosts are not those read at start, one for each inventory; a file that no longer
        reads says why first."""
        if not self.ansible or self.directory is None or self._ansible_as_read(self.directory):
            self.ansible_now = self.ansible
            return []
        self.ansible_now = []
        inventory = parsed_toml(self.at_start.get("inventory", ABSENT))
        _, reported = with_ansible_hosts(inventory, self.directory, seen=self.ansible_now)
        errors = [f"{r.finding.where}: {r.finding.message}" for r in reported if r.finding.error]
        now = {seen.system: seen for seen in self.ansible_now}
        found = []
        for name in dict.fromkeys(seen.inventory for seen in self.ansible):
            read = [seen for seen in self.ansible if seen.inventory == name]
            after = [now[seen.system] for seen in read if seen.system in now]
            changes = differences(
                {seen.system: seen.hosts for seen in read},
                {seen.system: seen.hosts for seen in after},
                "",
                self.mask,
            )
            if changes or len(after) < len(read):
                digest = hosts_digest(after, self.mask)[:12] if after else ""
                said = errors[:1] + changes
                found.append(Changed(name, said, hosts_digest(read, self.mask)[:12], digest))
        return found

    def _ansible_as_read(self, directory: Path) -> bool:
        """Whether no file the Ansible inventories may be read from changed since they
        were read (no parse: at 1,000 hosts a YAML inventory's took 0.6 s a look)."""
        from console.model.ansible.variables import fingerprint

        return all(
            fingerprint(inventory_path(directory, seen.inventory)) == seen.fingerprint
            for seen in self.ansible
        )

    def notice(self, does: str = "runs what is shown", room: int = HEADLINE) -> tuple[str, str]:
        """What a confirmation says of the files changed since the console started: one
        line kept in sight above the commands (it `does` what: `sends what is shown`), and
        what changed in them, said after the commands so that those stay in view at 80x24
        (("", ""): none did). The line names the files where they fit `room`."""
        changed = self.changed()
        if not changed:
            return "", ""
        files = "; ".join(c.said() for c in changed)
        broken = "broken" if (problem := self.problem()) else "changed"
        headline = f"{', '.join(c.name for c in changed)} {broken} since start: this {does}."
        if len(headline) > room:  # one row: the commands below it stay in view
            count = f"{len(changed)} files" if changed[1:] else "A file"
            headline = f"{count} {broken} since start: this {does}."
        if problem:
            return (
                headline,
                f"Changed since the console started: {files}. As they are now, the files do not load: {problem};"
                " fix them before quitting (check-config says each problem).",
            )
        return (
            headline,
            f"Changed since the console started: {files}. To use the files as they are now: check-config, then quit"
            " (leaving the incident open) and resume it.",
        )

    def problem(self) -> str:
        """Why the files as they were at the last look do not load, in check-config's
        first line ("": they load); validated once for each content."""
        looked, said = self._loads
        if looked != (self.now, self.ansible_now):
            said = ""
            try:
                assert self.directory is not None  # files were read
                load_settings(self.directory, files=self.now)
            except ConfigError as exc:
                more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
                said = visible(self.mask(str(exc.problems[0])), one_line=True) + more
            self._loads = ((self.now, self.ansible_now), said)
        return said

    def mask(self, text: str) -> str:
        """`text` with the secrets of the configuration at start and of the files now (as
        written: they may not load) masked, on the screen as in the record."""
        if self._started is None:
            self._started = written_secrets(self.at_start)
            with contextlib.suppress(ConfigError):  # it loaded at start: a key file gone since
                assert self.directory is not None  # files were read
                settings = load_settings(self.directory, files=self.at_start)
                self._started = settings_redactor(settings)
        if self._written[0] is not self.now:
            self._written = (self.now, written_secrets(self.now))
        return self._written[1].text(self._started.text(text))

    def note(
        self,
        conductor: Conductor | None,
        step_id: str | None,
        done: str = "run with the configuration read when the console started, as its"
        " confirmation showed",
    ) -> None:
        """Before a step runs (or is `done` otherwise: verified), where a file changed since
        the console started: a note on the step, which versions it runs with."""
        if conductor is None or not (changed := self.changed()):
            return
        versions = ", ".join(
            f"{c.name} sha256 {c.started}… (now {c.now + '…' if c.now else 'not read'})"
            for c in changed
        )
        conductor.note(
            f"{done}: {versions}; changed since: {'; '.join(c.said() for c in changed)}",
            step_id,
        )
