"""What the console writes in a directory another account may write (a team's, 2770, or
/tmp) goes to the file it names and to no other: a link another account planted there,
at a name the console would use, never has the console write through it."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys
from pathlib import Path

from tests.sshd import ensure_test_account
from tests.test_exports import write_fixed_journal

MODE = ("--mode", "0644")
PRIVATE = "this account's own private file\n"


def team_dir(tmp_path: Path) -> tuple[Path, int]:
    """A team's directory (2770) and the uid of the other account that writes there too."""
    other = ensure_test_account("rbplanter")
    team = tmp_path / "team"
    team.mkdir()
    if os.geteuid() == 0:
        os.chown(team, 0, other.gid)
    team.chmod(0o2770)
    return team, other.uid


def planted(link: Path, target: Path, owner: int) -> None:
    link.symlink_to(target)
    if os.geteuid() == 0:
        os.lchown(link, owner, -1)


def private_file(tmp_path: Path) -> Path:
    victim = tmp_path / "private.txt"
    victim.write_text(PRIVATE)
    victim.chmod(0o600)
    return victim


def test_export_writes_no_link_planted_beside_its_file(tmp_path):
    """`export -o TEAM/INC.md --mode 0644`: another account had planted
    `TEAM/.INC.md.partial` -> this account's private file; the document was written into
    that file, made 0644 (readable by all), and the link renamed to INC.md."""
    journal = write_fixed_journal(tmp_path / "incident")
    team, other = team_dir(tmp_path)
    victim = private_file(tmp_path)
    planted(team / ".INC.md.partial", victim, other)
    target = team / "INC.md"
    done = subprocess.run(
        [sys.executable, "-m", "console", "export", str(journal), "-o", str(target), *MODE],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
    )
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == PRIVATE and stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert not target.is_symlink() and target.read_text().startswith("# Rollback document")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    left = sorted(p.name for p in team.iterdir())
    assert left == [".INC.md.partial", "INC.md"], left  # the other's link, untouched


def _logged(tmp_path: Path, log: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", "schema", "--log", str(log)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
    )


def test_the_debug_log_is_never_written_through_a_planted_link(tmp_path):
    """`--log TEAM/debug.log` where another account had planted a link to this account's
    file: the log was appended to that file (a ~/.bashrc). Refused in one line, exit 2."""
    team, other = team_dir(tmp_path)
    victim = private_file(tmp_path)
    planted(team / "debug.log", victim, other)
    done = _logged(tmp_path, team / "debug.log")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: --log {team}/debug.log: cannot write: a symbolic link: name the file itself\n"
    )
    assert victim.read_text() == PRIVATE
    if os.geteuid() == 0:  # a file the other account made there, for all to write
        theirs = team / "theirs.log"
        theirs.touch(mode=0o666)
        os.chown(theirs, other, -1)
        done = _logged(tmp_path, theirs)
        assert (done.returncode, theirs.read_text()) == (2, "")
        assert done.stderr == (
            f"error: --log {theirs}: cannot write: another account's file (rbplanter)\n"
        )


def test_the_debug_log_is_this_accounts_alone(tmp_path):
    """An older log others could read (0644) was appended to as it was; a missing
    directory was an internal error ('a bug: please report it'), exit 1."""
    older = tmp_path / "debug.log"
    older.write_text("an older run\n")
    older.chmod(0o644)
    assert _logged(tmp_path, older).returncode == 0
    assert stat.S_IMODE(older.stat().st_mode) == 0o600
    assert older.read_text().startswith("an older run\n") and "DEBUG" in older.read_text()
    missing = tmp_path / "no" / "debug.log"
    done = _logged(tmp_path, missing)
    assert (done.returncode, done.stderr) == (
        2,
        f"error: --log {missing}: cannot write: No such file or directory\n",
    )


def _console(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
    )


def test_a_file_the_console_writes_whole_is_never_written_through_a_planted_link(tmp_path):
    """`schema --write TEAM/.schema` (as its help suggests, for the team's editors) where
    another account had planted `inventory.schema.json` -> this account's private file:
    the schema was written into that file, its text emptied first. `import-ansible -o
    TEAM/inventory.toml --force` and `init` write through the same function. Refused in
    one line, exit 2; and a file the other account made there is not written into."""
    team, other = team_dir(tmp_path)
    victim = private_file(tmp_path)
    schemas = team / ".schema"
    schemas.mkdir()
    schemas.chmod(0o2770)
    planted(schemas / "inventory.schema.json", victim, other)
    done = _console(tmp_path, "schema", "--write", str(schemas))
    assert victim.read_text() == PRIVATE and stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert (done.returncode, done.stdout) == (2, ""), done.stdout + done.stderr
    assert done.stderr == (
        f"error: {schemas}/inventory.schema.json: cannot write: a symbolic link:"
        " name the file itself\n"
    )
    if os.geteuid() == 0:  # a file the other account made there, for all to write
        theirs = team / "theirs"
        theirs.mkdir()
        (theirs / "inventory.schema.json").write_text(PRIVATE)
        (theirs / "inventory.schema.json").chmod(0o666)
        os.chown(theirs / "inventory.schema.json", other, -1)
        done = _console(tmp_path, "schema", "--write", str(theirs))
        assert (theirs / "inventory.schema.json").read_text() == PRIVATE
        assert done.stderr == (
            f"error: {theirs}/inventory.schema.json: cannot write: another account's file"
            " (rbplanter)\n"
        )


def test_the_journals_writer_lock_is_never_written_through_a_link(tmp_path):
    """An incident directory whose `writer.lock` is a link to this account's private
    file: resuming it (`note`, the console, `verify`) took the writer's lock through the
    link, emptied that file and wrote the holder's JSON into it. Refused in one line; the
    file and the journal untouched. The check a listing makes (`JournalLock.check`) opens
    no link and never waits on a FIFO there."""
    from console.journal.files import JournalError
    from console.journal.journal_lock import JournalLock

    journal = write_fixed_journal(tmp_path / "incident")
    before = journal.read_bytes()
    victim = private_file(tmp_path)
    lock = journal.with_name("writer.lock")
    lock.unlink(missing_ok=True)
    lock.symlink_to(victim)
    done = _console(tmp_path, "note", "--demo", str(journal.parent), "bridge open")
    assert victim.read_text() == PRIVATE and stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert journal.read_bytes() == before
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == (
        f"error: {lock}: a symbolic link, not the lock file itself: refused, nothing was"
        " written; the console makes it as a file: remove what is there if you did not put"
        " it there\n"
    )
    lock.unlink()
    os.mkfifo(lock, 0o600)
    for take in (lambda: JournalLock.check(journal), lambda: JournalLock(journal)):
        try:
            take()
        except JournalError as exc:
            assert str(exc).startswith(f"{lock}: not a regular file (a device or a pipe)")
        else:
            raise AssertionError("a FIFO taken as the writer's lock")


def test_a_fifo_as_the_writers_lock_never_holds_the_listing(tmp_path):
    """A FIFO at an incident's `writer.lock`: `rollback-console list` (and the home
    screen's list, through the same custody) waited for ever to read who writes it, after
    the lock's own check had stopped waiting. The FIFO names nobody: the incident is
    listed, written by no console."""
    journal = write_fixed_journal(tmp_path / "state" / "demo-incidents" / "X1")
    lock = journal.with_name("writer.lock")
    lock.unlink()
    os.mkfifo(lock, 0o600)
    done = _console(tmp_path, "list", "--demo")  # 60 s at most: it waited for ever
    assert done.returncode == 0, done.stdout + done.stderr
    me = pwd.getpwuid(os.geteuid()).pw_name
    assert f"{me}'s incident; nothing writes it now" in done.stdout, done.stdout
    assert stat.S_ISFIFO(lock.lstat().st_mode)  # left as it was
