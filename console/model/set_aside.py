"""What an undo sets aside, asked of each host before its yes: a restore's undo puts the
data directory from before back and keeps the restored one aside whole, with everything
written on it since the restore, not merged back. Its hosts say it in one line each
(console/model/presets/pg_undo.py, UNDO_WEIGH):

    sets aside xacts=2 wal=592 in=/var/lib/pg/data.undone-ID: 2 transactions wrote ...
    sets aside nothing: an earlier undo put the data directory from before back ...

`xacts`: transactions that wrote since the restore (`?`: not counted); `nothing`: the undo
does something else there, said in its words (it starts a cluster, or refuses)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from console.model.visible import visible

LINE = re.compile(r"^sets aside (?:xacts=(\S+) wal=(\S+) in=(\S+)|nothing): (.+)$")
# The flag headless `undo` asks for where an undo would set writes aside.
FLAG = "--discard-writes"
# What a dry run says of it: it connects to nothing, so it cannot say how much.
ASKED_FIRST = (
    "it sets aside what was written since the restore (kept aside, not merged back): before"
    f" it sends anything, `undo` asks each host how much, and where any was, wants {FLAG}"
)


@dataclass(frozen=True)
class Aside:
    """One host's answer: `words` (the host's, made inert), `xacts` (None: not counted),
    where the restored directory goes (`kept`: '' where nothing is set aside), or why
    it could not be asked (`unasked`)."""

    words: str
    xacts: int | None = None
    kept: str = ""
    unasked: bool = False

    @property
    def discards(self) -> bool:
        """Whether the undo may take writes out of the live database here: some were
        counted, or none could be (not measured, not asked)."""
        return self.unasked or (bool(self.kept) and self.xacts != 0)

    def said(self) -> str:
        """What happens to the data there, in one clause."""
        if self.unasked:
            return f"not asked ({self.words}): whatever was written since the restore is set aside"
        if not self.kept:
            return f"nothing: {self.words}"
        if self.xacts == 0:
            return f"{self.words}; the restored data directory goes aside to {self.kept}"
        return (
            f"{self.words}: it goes aside with the restored data directory to {self.kept},"
            " not merged back"
        )


def aside_in(stdout: str) -> Aside | None:
    """The host's `sets aside` line, or None where it printed none."""
    for line in stdout.splitlines():
        if match := LINE.match(line.strip()):
            xacts, _, kept, words = match.groups()
            counted = int(xacts) if xacts and xacts.isdigit() else None
            return Aside(visible(words, one_line=True), counted, visible(kept or "", one_line=True))
    return None


def asides_said(asides: Mapping[str, Aside], hosts: int = 0) -> str:
    """Each host's clause, `db-1: ...; db-2: ...` (hosts that say the same together), or
    the clause alone where the undo goes to one host only (`hosts`: how many it goes to,
    if more than these)."""
    if max(hosts, len(asides)) == 1:
        return next(iter(asides.values())).said()
    grouped: dict[str, list[str]] = {}
    for host, aside in asides.items():
        grouped.setdefault(aside.said(), []).append(host)
    return "; ".join(f"{', '.join(hosts)}: {said}" for said, hosts in grouped.items())


def discarding(asides: Mapping[str, Aside]) -> list[str]:
    """The hosts where the undo may take writes out of the live database."""
    return [host for host, aside in asides.items() if aside.discards]


# An undo's own `restored to` once it has put the data back (pg_undo.py): where it kept
# the restored data directory, and what had been written on it since the restore.
KEPT = re.compile(r"the restored one is kept at (.+?), not merged back: (.+)$")
NAMED = 3  # hosts named in what went aside


def went_aside(records: Sequence[Mapping[str, Any]], undo: str, since: int = -1) -> dict[str, str]:
    """Each host where the undo step `undo` (its records from `since`, a seq) set the
    restored data directory aside: `3 transactions wrote since the restore at 14:02 UTC
    (1.2 MB of WAL), kept at /var/lib/pg/data.undone-ID`."""
    went = {}
    for r in records:
        if (r.get("step"), r.get("stage")) != (undo, "after") or r.get("seq", 0) < since:
            continue
        if kept := KEPT.search(str(r.get("restored") or "")):
            went[str(r.get("host") or "?")] = f"{kept[2]}, kept at {kept[1]}"
    return went


def went_aside_said(went: Mapping[str, str]) -> str:
    """`the restored data directory set aside, not merged back: 3 transactions wrote ...,
    kept at DIR`, after an undo (seen: its last line and the document's summary said
    `undone` alone, the writes since the restore gone from the live database); several
    hosts each named, NAMED at most; "" where nothing went aside."""
    if len(went) < 2:
        return "".join(
            f"the restored data directory set aside, not merged back: {w}" for w in went.values()
        )
    said = [f"{host}: {words}" for host, words in list(went.items())[:NAMED]]
    said += [f"{len(went) - NAMED} more host(s)"] if len(went) > NAMED else []
    return f"the restored data directories set aside, not merged back: {'; '.join(said)}"
