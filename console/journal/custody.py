"""Whose an incident is, as a teammate sees it in a team's journal_dir: the account that
owns its directory, the process that last wrote it (named in `writer.lock`) and whether
that process still runs, and which system locks name it. Read only: nothing is locked,
so a listing never stands in the way of the writer (taking even a shared flock on
`writer.lock` could refuse the writer's own resume)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path
from typing import Any, NamedTuple

from console.journal.files import WRITER_LOCK_NAME
from console.journal.journal_lock import CONSOLES, named_in
from console.journal.lock import Holder, process_alive
from console.journal.times import utc
from console.model.invocation import again


class Writer(NamedTuple):
    """The process `writer.lock` names: the last one to write the journal."""

    pid: int
    user: str
    host: str
    since: str  # ISO 8601, UTC
    program: str
    running: bool
    stopped: str = ""  # why it stopped writing (the journal could not be written), if it said
    at: str = ""  # when (ISO 8601, UTC)

    @property
    def what(self) -> str:
        """`console`, or the headless command it was (`rollback-console run`): a run has no
        console."""
        return "console" if self.program in CONSOLES else self.program

    def said(self) -> str:
        """`rbalice's console pid 31169 on jump1, since 02:31:45 UTC: running`."""
        state = "running" if self.running else "ended"
        return (
            f"{self.user}'s {self.what} pid {self.pid} on {self.host},"
            f" since {_at(self.since)}: {state}"
        )


def _at(since: str) -> str:
    """`2026-12-04 02:31:45 UTC` from an ISO time; as written when it is not one."""
    return f"{since[:19].replace('T', ' ')} UTC" if len(since) >= 19 else since or "?"


class Custody(NamedTuple):
    """Whose incident a journal's directory holds, and who writes it."""

    owner: str  # the account owning the incident's directory
    mine: bool  # this account's: its console may write it
    writer: Writer | None  # None: nobody writes it (its writer let go), or unreadable
    locks: tuple[tuple[str, Holder], ...] = ()  # (system, holder): the locks naming it
    handed: dict[str, Any] | None = None  # its last commander's entry (IncidentState.commanders)

    @property
    def handed_to_me(self) -> bool:
        """Its owner's console handed command over to this account (a take would have
        copied it into this account's directory) and nothing of theirs runs now: it is this
        account's to take."""
        to = (self.handed or {}).get("name", "")
        return not self.mine and not self.running and to.split("@")[0] == account_name(os.geteuid())

    def handed_line(self, handed_over: str, closed: bool) -> str:
        """The list's hand-over line (`handed_over`: `rbbob took command from rbalice at
        ...: REASON`), or, handed over to this account and not taken yet (it read "root took
        command from alice" of a command nobody had taken), `Handed over to you (rbbob) by
        rbalice at 2026-12-04 03:10:02 UTC: shift change; nobody drives it now`, while open."""
        if closed or not self.handed_to_me or self.handed is None:
            return handed_over
        reason = f": {why}" if (why := self.handed.get("reason")) else ""
        by = self.handed.get("from") or self.owner
        at = utc(self.handed["since"])
        return f"Handed over to you ({self.handed['name']}) by {by} at {at}{reason}; nobody drives it now"

    @property
    def driven(self) -> bool:
        """A process other than this one writes it now."""
        return self.writer is not None and self.writer.running and self.writer.pid != os.getpid()

    def whose(self, closed: bool) -> str:
        """`rbalice's incident; written by rbalice's console pid 31169 on jump1, since
        2026-12-04 02:31:45 UTC: running` (`: ended` once that process has gone without
        letting go: killed, or crashed); `...; no console writes it now` once its writer let
        go. The writer only while it is open."""
        said = f"{self.owner}'s incident"
        if closed:
            return said
        if self.writer is None:
            return f"{said}; nothing writes it now"
        written = "written" if self.writer.running else "last written"
        return f"{said}; {written} by {self.writer.said()}"

    def lock_lines(self) -> list[str]:
        """`lock web: rbalice pid 31169 on jump1, since ...: running`, one per lock."""
        return [
            f"lock {system}: {lock.user} pid {lock.pid} on {lock.host},"
            f" since {_at(lock.started)}: {'running' if lock.alive() else 'stale, its process gone'}"
            for system, lock in self.locks
        ]

    def ended(self) -> str:
        """What became of whatever wrote it: `rbalice's console has ended`, `rbalice's
        rollback-console run has ended` (a headless run has no console: it read "console"
        of one), or, once its writer let go, `nothing of rbalice's writes it now` (the list's
        Left open line says how)."""
        if self.writer is None:
            return f"nothing of {self.owner}'s writes it now"
        return f"{self.writer.user}'s {self.writer.what} has ended"

    @property
    def running(self) -> bool:
        """Its writer, or the holder of a lock naming it, still runs."""
        return self.driven or any(lock.alive() for _, lock in self.locks)

    def r_does(self, closed: bool) -> str:
        """What resuming it does now (r on the home screen, `resume`), as the list, the
        firing banner and r itself say it: "resume"; "ask" its owner's console for command;
        "take" command (nothing of its owner's runs); "wait": a process nobody can ask
        writes it (a headless command, or another of this account's), r opens nothing
        while it runs; "read": a teammate's, closed."""
        if self.mine:
            return "wait" if self.driven and not closed else "resume"
        if closed:
            return "read"
        if not self.running:
            return "take"
        return "ask" if self._running_what() == "console" else "wait"

    def _running_what(self) -> str:
        return self.writer.what if self.writer is not None and self.running else "console"

    def can(self, incident: str, closed: bool, keys: tuple[str, str] | None = None) -> str:
        """What this account may do with it, in one sentence: with the commands to type,
        or, on the console's home screen, its `keys` (follow, resume)."""
        if keys is None:
            follow = f"follow it live ({again(f'follow {incident}')})"
            take = (
                "take command of it (r on the home screen, or"
                f" {again(f'resume {incident} --take-command REASON')})"
            )
        else:
            follow, take = f"follow it live ({keys[0]})", f"take command of it ({keys[1]})"
        what, does = self._running_what(), self.r_does(closed)
        if self.mine:
            if does == "wait":
                return f"Read-only while that {what} runs: {follow}."
            how = keys[1] if keys is not None else again(f"resume {incident}")
            return f"This account may resume it ({how})."
        if does == "read":
            return f"Read-only for this account: {follow.replace(' live', '')} or export it."
        if does == "wait":  # a headless command asks nobody: it ends
            return (
                f"Read-only for this account while {self.owner}'s {what} runs: {follow} or"
                f" export it; once it has ended, {take}, with a reason that is recorded."
            )
        if does == "ask":
            ask = (
                f"r on the home screen, or {again(f'resume {incident} --take-command REASON')}"
                if keys is None
                else keys[1]
            )
            then = f"ask that console for command ({ask}): whoever is at it may keep it"
            return (
                f"Read-only for this account while {self.owner}'s console runs: {follow} or"
                f" export it; {then}."
            )
        if self.handed_to_me:
            return f"It is yours: {take}, with a reason that is recorded, or {follow} or export it."
        # Nothing writes it: `whose` says so just before, not said twice.
        ended = f"{self.ended()}: this account" if self.writer is not None else "This account"
        return f"{ended} may {take}, with a reason that is recorded, or {follow} or export it."


def custody(
    directory: Path,
    incident: str,
    held: dict[str, Holder],
    handed: dict[str, Any] | None = None,
) -> Custody:
    """The custody of the incident journalled in `directory`; `held`: the lock
    directory's locks (`SystemLocks.held`), those naming `incident` kept; `handed`: its
    last commander's entry, when command changed hands."""
    try:
        uid = directory.stat().st_uid
    except OSError:
        uid = os.geteuid()
    return Custody(
        owner=account_name(uid),
        mine=uid == os.geteuid(),
        writer=writer_of(directory),
        locks=tuple((s, h) for s, h in sorted(held.items()) if h.incident == incident),
        handed=handed,
    )


def not_ours(directory: Path, incident: str, closed: bool, held: dict[str, Holder]) -> str:
    """Why this account may not resume a teammate's incident journalled in `directory`,
    and what it may do instead, in the words of the list (`whose`, `can`); "" when it
    is this account's. A resume without --take-command said "their console goes on
    with it" of a console that had been killed."""
    found = custody(directory, incident, held)
    if found.mine:
        return ""
    return f"incident {incident}: {found.whose(closed)}. {found.can(incident, closed)}"


def account_name(uid: int) -> str:
    """The account's login name, else `uid N`."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _writer(path: Path) -> Writer | None:
    data = named_in(path) or {}
    try:
        pid, host = int(data["pid"]), str(data["host"])  # type: ignore[call-overload]
    except (ValueError, TypeError, KeyError):
        return None
    return Writer(
        pid=pid,
        user=str(data.get("user", "?")),
        host=host,
        since=str(data.get("since", "")),
        program=str(data.get("program", "rollback-console")),
        running=process_alive(pid, host),
        stopped=str(data.get("stopped") or ""),
        at=str(data.get("at") or ""),
    )


def writer_of(directory: Path) -> Writer | None:
    """The process `writer.lock` in incident `directory` names, and why it stopped if it
    said (JournalLock.stopped); None if it names none."""
    return _writer(directory / WRITER_LOCK_NAME)
