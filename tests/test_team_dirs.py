"""A team's lock_dir and journal_dir on one jump host (group-shared, 2770, as the README
says), used by two real accounts. Locks: the second one's console names the holder of
a lock the first took, judges it stale once that console has gone, and takes it over
with a reason; the holder's journal, in the first account's private state dir, is not
its to read and is not read. Seen with two accounts on a real sshd fleet: lock files
were 0600, so the teammate's refusal read "incident (unreadable lock file ...) by alice
on (unknown) (pid 0), since (unknown)" and a crashed console's lock could never be
taken over. Journals: a teammate reads an incident of the team's journal_dir (follow,
export), and is told, in one line, that it is not theirs to write; every command
on a teammate's private incident crashed ("internal error: PermissionError")."""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.engine.kept_locks import holder_journal
from console.journal.lock import Holder, LockHeld, SystemLocks
from console.model.events import Kind
from tests.sshd import Account, ensure_test_account

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")


@pytest.fixture
def team() -> Iterator[tuple[Path, Account]]:
    """A directory shared by the test account's group (2770, root's), in a directory
    every account may pass through; the test account."""
    account = ensure_test_account()
    top = Path(tempfile.mkdtemp(prefix="rollback-console-team-"))
    try:
        top.chmod(0o755)
        shared = top / "shared"
        shared.mkdir()
        os.chown(shared, 0, account.gid)
        shared.chmod(0o2770)
        yield shared, account
    finally:
        shutil.rmtree(top)


def as_account(account: Account, act: Callable[[], object]) -> str:
    """What `act()` returns (its repr), or what it raised, run in a child process with
    the account's uid and gid alone, as its own console would."""
    return answer(*start_as(account, lambda: repr(act())))


def _pydantic_imported() -> None:
    """Every name pydantic exports lazily, imported: the journal's reader is made as its
    first line is read (issue 18), by then in the account's process, which cannot import
    from root's interpreter ("No module named 'pydantic.functional_serializers'" when no
    earlier test of the worker had read a journal)."""
    import warnings

    import pydantic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecated names among them
        for name in pydantic.__all__:
            getattr(pydantic, name)


def start_as(account: Account, act: Callable[[], str]) -> tuple[int, int]:
    """`act()` in a child process with the account's uid and gid alone; (its pid, the
    pipe its answer comes on: `answer`). What it uses must be imported before: this
    interpreter's own library may not be the account's to read."""
    _pydantic_imported()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never back into pytest
        said = "nothing"
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(account.gid)
            os.setuid(account.uid)
            said = act()
        except BaseException as exc:  # the parent judges it
            said = f"raised {type(exc).__name__}: {exc}"
        finally:
            try:  # a parent gone (its test failed first) must not send the child on
                os.write(write, said.encode())
            finally:
                os._exit(0)
    os.close(write)
    return pid, read


def answer(pid: int, read: int, within: float = 120.0) -> str:
    """What the child of `start_as` said, once it has ended; a child still silent
    `within` seconds is killed and said so."""
    ready, _, _ = select.select([read], [], [], within)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    with os.fdopen(read) as pipe:
        said = pipe.read() if ready else f"no answer within {within:.0f} s: killed"
    os.waitpid(pid, 0)
    return said


def holder_of(incident: str, pid: int, journal: Path) -> Holder:
    started = datetime.now(UTC).isoformat()
    return Holder(pid, "root", socket.gethostname(), started, incident, str(journal))


def test_a_teammate_names_the_holder_without_reading_its_journal(team, tmp_path) -> None:
    locks, account = team
    journal = tmp_path / "state" / "incidents" / "inc-1" / "journal.jsonl"  # root's, 0700
    journal.parent.mkdir(parents=True)
    journal.write_text("")
    SystemLocks(locks).acquire("web", holder_of("inc-1", os.getpid(), journal))

    def look() -> tuple[str, int, bool, Path | None]:
        holder = SystemLocks(locks).holder("web")
        assert holder is not None
        found = holder_journal(Path("/nonexistent"), holder.incident, holder.journal)
        return holder.incident, holder.pid, holder.alive(), found

    assert as_account(account, look) == repr(("inc-1", os.getpid(), True, None))
    said = as_account(account, lambda: SystemLocks(locks).acquire("web", holder_of("b", 1, "")))
    assert said.startswith("raised LockHeld: system 'web' is locked: incident inc-1 by root on")


def test_a_teammate_takes_over_the_lock_of_a_console_that_has_gone(team, tmp_path) -> None:
    locks, account = team
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True, timeout=30)  # fmt: skip
    SystemLocks(locks).acquire("db", holder_of("inc-2", int(gone.stdout), tmp_path / "j"))
    mine = holder_of("inc-3", os.getpid(), tmp_path / "mine")

    def refused() -> bool:
        try:
            SystemLocks(locks).acquire("db", mine)
        except LockHeld as held:
            return held.stale
        return False

    assert as_account(account, refused) == "True"
    taken = as_account(
        account, lambda: SystemLocks(locks).acquire("db", mine, take_over_stale=True).incident
    )
    assert taken == "'inc-2'"
    assert SystemLocks(locks).holder("db").incident == "inc-3"
    assert os.stat(locks / "db.lock").st_uid == account.uid


def test_a_lock_file_an_account_cannot_read_says_whose_and_what_to_do(team) -> None:
    """An older console's lock file (0600) in the team's directory: held, by its owner,
    and the refusal says who to ask and that it is never judged stale from here."""
    locks, account = team
    (locks / "web.lock").write_text('{"pid": 1}')
    (locks / "web.lock").chmod(0o600)
    said = as_account(account, lambda: SystemLocks(locks).holder("web").describe())
    assert said == repr(
        f"by root, its lock file {locks / 'web.lock'} cannot be read by this account: ask"
        " root; once no console of root's runs on this jump host, an administrator may"
        " remove that file"
    )


def test_a_teammate_reads_an_incident_of_the_team_journal_dir_and_may_not_write_it(
    team,
) -> None:
    from console.journal.journal_lock import JournalLock
    from console.journal.store import read_journal
    from tests.events_factory import recorder_in

    journals, account = team
    recorder = recorder_in(journals / "inc-1")
    recorder.record(Kind.NOTE_ADDED, text="bridge open")
    recorder.close()
    incident = journals / "inc-1"
    assert stat.S_IMODE(incident.stat().st_mode) == 0o2750  # the team's group, read-only
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in incident.iterdir()} == {
        "journal.jsonl": 0o640, "output.jsonl": 0o640, "writer.lock": 0o640,
    }  # fmt: skip
    journal = incident / "journal.jsonl"
    read = as_account(account, lambda: [str(e.kind) for e in read_journal(journal).events])
    assert read == repr(["note.added"])
    said = as_account(account, lambda: JournalLock(journal, "inc-1"))
    assert said == (  # its console closed the journal: not "goes on with it"
        "raised JournalNotOurs: incident inc-1's journal is root's: this account may read it"
        f" (rollback-console follow {incident}, export), not write it; nothing of root's"
        " writes it now: to carry it on, take command of it (rollback-console resume inc-1"
        " --take-command REASON)"
    )


def test_a_teammate_told_how_a_team_shares_what_its_home_keeps_private(team) -> None:
    """Walked as a second responder: `follow` of a teammate's incident in their own state
    dir said only that the directory was private; now it says how a team shares them."""
    from console.cli.common import existing_journal

    shared, account = team
    state = shared.parent / "home" / ".local" / "state"  # root's, private to it
    incident = state / "rollback-console" / "incidents" / "inc-3"
    incident.mkdir(parents=True)
    (incident / "journal.jsonl").write_text("")
    state.chmod(0o700)
    said = as_account(account, lambda: existing_journal(str(incident), None))
    assert said == (
        f"raised UsageError: {incident}: not readable by this account: {state} is root's,"
        " private to it; a team follows its incidents in a journal_dir of its group (mode"
        " 2770), named in each member's console.toml"
    )


def test_a_teammate_told_a_private_incident_is_not_theirs_to_read(team) -> None:
    """An incident made private (by an older console, or outside a team's directory):
    `follow`, `export`, `resume`, `verify` say so in one line, exit 2."""
    from console.cli.common import existing_journal

    journals, account = team
    private = journals / "inc-2"
    private.mkdir(mode=0o700)
    (private / "journal.jsonl").write_text("")
    said = as_account(account, lambda: existing_journal(str(private), None))
    assert said == (
        f"raised UsageError: {private / 'journal.jsonl'}: not readable by this account:"
        f" {private} is root's, private to it"
    )
