"""A step's commands as the document shows them: a command rendered for each host (its
template names `{{host}}`) once, as its first host got it, with how many hosts got it
alike; the journal and the JSON export keep each host's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from console.journal.export.facts import Command
from console.journal.export.resolution import IN_WORKDIR

_HOST = "\0host\0"  # where a host's name stood; no command holds a NUL


@dataclass
class Shown:
    """One command as shown: `body` as `host` got it; every other host of `hosts` got the
    same text with its own name wherever `host`'s stands (`per_host`), else the same."""

    stage: str
    body: str
    host: str | None
    hosts: list[str] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)
    workdirs: list[str] = field(default_factory=list)  # each host's `cd -- DIR`, sorted
    per_host: bool = False
    cd: bool = False  # sent after `cd -- DIR || exit 97` (shown when one DIR is all)

    @property
    def text(self) -> str:
        """The command to show: as sent to `host`, its cd kept when every host had it."""
        if self.cd and len(self.workdirs) == 1:
            return f"cd -- {self.workdirs[0]} || exit 97\n{self.body}"
        return self.body


def shown(commands: list[Command]) -> list[Shown]:
    """`commands` (each as sent, with its hosts), those sent to one host each that are the
    same but for that host's name as one entry, in the order first sent."""
    out: dict[tuple[str, bool, str], Shown] = {}
    for sent in commands:
        body, dirs, cd = sent.command, list(sent.workdirs), bool(sent.workdirs)
        if not cd and (prefix := IN_WORKDIR.match(body)):
            body, dirs, cd = body[prefix.end() :], [prefix.group(1)], True
        host = sent.hosts[0] if sent.hosts else None
        template = body
        if len(sent.hosts) == 1 and host and host in body and _HOST not in body:
            template = body.replace(host, _HOST)  # gives `body` back with `host` put in
        key = (sent.stage, cd, template)
        known = out.get(key)
        if known is None:
            known = out[key] = Shown(sent.stage, body, host)
        elif host is not None and (known.host is None or host < known.host):
            known.body, known.host = body, host  # shown as the first host by name got it
        known.per_host = known.per_host or (template != body and bool(known.hosts))
        known.cd = cd
        known.hosts += sent.hosts  # a host is in one command of a stage's template
        known.runs += sent.runs
        known.workdirs += dirs
    for entry in out.values():
        entry.hosts = sorted(set(entry.hosts))
        entry.runs = sorted(set(entry.runs))
        entry.workdirs = sorted(set(entry.workdirs))
    return list(out.values())
