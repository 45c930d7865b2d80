"""Incident locks: a second console is refused by name; a stale lock is taken over with a reason."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from console.journal.lock import Holder, LockHeld, SystemLocks
from console.journal.store import read_journal
from console.model.events import Kind

RUN = [
    "run", "--demo", "--systems", "web", "--strategy", "version-rollback",
    "--trigger", "stakeholder-decision", "--reason", "lock test", "--yes", "--quiet",
]  # fmt: skip


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)
    return child.pid


def _holder(pid: int, incident: str = "inc-other") -> Holder:
    return Holder(pid, "alice", socket.gethostname(), "2026-11-28T09:00:00+00:00", incident)


def test_a_live_holder_refuses_and_is_named(tmp_path):
    locks = SystemLocks(tmp_path)
    assert locks.acquire("web", _holder(os.getpid(), "inc-1")) is None
    try:
        locks.acquire("web", _holder(os.getpid() + 0, "inc-2"))
    except LockHeld as held:
        assert "incident inc-1 by alice" in str(held) and not held.stale
    else:
        raise AssertionError("a second incident took a held lock")
    lock = json.loads((tmp_path / "web.lock").read_text())
    assert set(lock) == {"pid", "user", "host", "started", "incident"}


class EarlierHolder(NamedTuple):
    """How every console before 2026-12-03 read a lock file: `Holder(**data)`, any other
    key a TypeError, the file taken as torn, deleted, and the lock taken."""

    pid: int
    user: str
    host: str
    started: str
    incident: str


def test_a_lock_file_names_its_journal_and_older_ones_are_read(tmp_path):
    """The journal's path is beside the lock file (a refusal reads why the lock is held
    from it, also for an incident journalled with --journal), not in it: an earlier
    console on the same lock_dir (each user installs their own) reads the lock as held,
    where a key it did not know made it delete the file and take the lock. A lock file
    written before, or with a field this console does not know, still names its holder;
    a journal noted for another incident is not taken for this one's."""
    locks = SystemLocks(tmp_path)
    me = _holder(os.getpid(), "inc-1")._replace(journal="/srv/incidents/inc-1/journal.jsonl")
    locks.acquire("web", me)
    assert EarlierHolder(**json.loads((tmp_path / "web.lock").read_text())) == me[:5]
    assert locks.holder("web") == me
    locks.release("web", me)
    # The directory's mutex stays (removing it would let two processes hold two files).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acquire.mutex"]
    older = {"pid": 1, "user": "bob", "host": "jump", "started": "then", "incident": "inc-0"}
    (tmp_path / "db.lock").write_text(json.dumps(older))
    assert locks.holder("db") == Holder(1, "bob", "jump", "then", "inc-0", "")
    (tmp_path / "db.lock").write_text(json.dumps({**older, "later": "x"}))
    assert locks.holder("db") == Holder(1, "bob", "jump", "then", "inc-0", "")
    (tmp_path / "db.lock").write_text("[1, 2]")  # torn or foreign: nobody holds it
    assert locks.holder("db") is None
    (tmp_path / "db.lock").write_text(json.dumps(older))  # an earlier console's, over ...
    (tmp_path / "db.lock.journal").write_text(json.dumps({"incident": "inc-9", "journal": "x"}))
    assert locks.holder("db") == Holder(1, "bob", "jump", "then", "inc-0", "")  # inc-9's


def test_a_stale_lock_is_only_taken_over_when_asked(tmp_path):
    locks = SystemLocks(tmp_path)
    stale = _holder(_dead_pid())
    locks.acquire("web", stale)
    try:
        locks.acquire("web", _holder(os.getpid(), "inc-2"))
    except LockHeld as held:
        assert held.stale and "take it over with a reason" in str(held)
    replaced = locks.acquire("web", _holder(os.getpid(), "inc-2"), take_over_stale=True)
    assert replaced == stale
    assert locks.holder("web").incident == "inc-2"


def test_a_holder_that_exited_and_waits_to_be_reaped_holds_nothing(tmp_path):
    """A console just hung up is a zombie until its parent waits for it: signal 0 still
    reaches it, but it holds no lock (resume would be refused as 'locked' until then)."""
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        stat = Path(f"/proc/{exited.pid}/stat")
        for _ in range(600):  # bounded: until it has exited, not reaped (no wait here)
            if stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z":
                break
            time.sleep(0.05)
        locks = SystemLocks(tmp_path)
        locks.acquire("web", _holder(exited.pid))
        try:
            locks.acquire("web", _holder(os.getpid(), "inc-2"))
        except LockHeld as held:
            assert held.stale, str(held)
        else:
            raise AssertionError("a lock was taken over without being asked")
    finally:
        exited.wait(timeout=30)


def _cli(tmp_path, *args):
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
    )


def test_run_is_refused_while_another_console_executes_then_takes_over_a_stale_lock(tmp_path):
    lock_dir = tmp_path / "state" / "demo-locks"
    SystemLocks(lock_dir).acquire("web", _holder(os.getpid(), "inc-live"))
    refused = _cli(tmp_path, *RUN, "--journal", str(tmp_path / "j1"))
    assert refused.returncode == 3, "3: refused, another incident holds the system"
    assert "system 'web' is locked: incident inc-live by alice" in refused.stderr
    assert not (tmp_path / "j1").exists(), "a refusal creates no incident"
    live = _cli(tmp_path, *RUN, "--journal", str(tmp_path / "j1"), "--take-over-lock", "mine")
    assert live.returncode == 3 and not (tmp_path / "j1").exists(), "a live lock is never taken"

    (lock_dir / "web.lock").unlink()
    SystemLocks(lock_dir).acquire("web", _holder(_dead_pid(), "inc-crashed"))
    still = _cli(tmp_path, *RUN, "--journal", str(tmp_path / "j2"))
    assert still.returncode == 3 and "stale lock" in still.stderr
    assert still.stderr.rstrip().endswith("take it over with a reason (--take-over-lock REASON)")
    assert not (tmp_path / "j2").exists()
    took = _cli(
        tmp_path, *RUN, "--journal", str(tmp_path / "j3"), "--take-over-lock", "console crashed"
    )
    assert took.returncode == 0, took.stderr
    events = read_journal(tmp_path / "j3").events
    takeover = next(e for e in events if e.kind == Kind.LOCK_TAKEN_OVER)
    assert takeover.data.reason == "console crashed"
    assert takeover.data.previous["incident"] == "inc-crashed"
    assert not (lock_dir / "web.lock").exists()


def test_json_says_a_lock_refusal_on_stdout_as_one_document(tmp_path):
    """`--json` refused by another incident's lock: the result document on stdout (ok
    false, exit status 3, the refusal and its holder, no journal), the line on stderr."""
    SystemLocks(tmp_path / "state" / "demo-locks").acquire("web", _holder(os.getpid(), "inc-live"))
    for command in (
        [*RUN, "--json"],
        ["exec", "--demo", "--systems", "web", "--json", "uptime"],
    ):
        refused = _cli(tmp_path, *command)
        assert refused.returncode == 3, refused.stderr
        document = json.loads(refused.stdout)
        assert document["command"] == command[0] and document["ok"] is False
        assert document["exit_status"] == 3 and document["journal"] is None
        assert document["holder"] == "inc-live"
        assert document["verdict"].startswith("refused: system 'web' is locked: incident inc-live")
        assert "system 'web' is locked" in refused.stderr


def test_a_lock_taken_days_ago_reads_in_days_and_hours():
    """Seen on a jump host: a lock a crashed console left over a weekend read 'since ...
    (62 h 14 min 03 s ago)'. From a day on its age is said in days and hours."""
    from datetime import UTC, datetime, timedelta

    def taken(ago: timedelta) -> Holder:
        started = (datetime.now(UTC) - ago).isoformat()
        return Holder(1, "alice", "jump", started, "inc-old")

    assert taken(timedelta(days=2, hours=14, minutes=14)).age() == " (2 days 14 h ago)"
    assert taken(timedelta(days=1, minutes=3)).age() == " (1 day 0 h ago)"
    assert taken(timedelta(hours=7, minutes=21, seconds=12)).age().startswith(" (7 h 21 min")


def test_the_lock_is_taken_even_where_its_journal_cannot_be_noted(tmp_path):
    """The note beside the lock is an aid to refusals, not the lock: where it cannot be
    written (here a directory in its place; in a shared lock_dir, another account's note
    the directory's sticky bit protects), the lock is taken all the same."""
    (tmp_path / "web.lock.journal").mkdir()
    locks = SystemLocks(tmp_path)
    me = _holder(os.getpid(), "inc-1")._replace(journal="/srv/incidents/inc-1/journal.jsonl")
    assert locks.acquire("web", me) is None
    assert locks.holder("web") == me._replace(journal="")
    locks.release("web", me)
    assert not (tmp_path / "web.lock").exists()
