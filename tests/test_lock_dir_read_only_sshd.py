"""A lock directory that turns read-only while the console holds a lock (a filesystem
remounted read-only after an error, a team's share gone read-only): letting go of the lock
ended `exec` (and the console's quit, `run`'s end) with 'error: internal error: OSError:
[Errno 30] Read-only file system (a bug: please report it ...)', and the journal said
nothing of the lock left behind. The lock file stays, and that is said in one line and
journalled (`lock.kept`, `stuck`); the command's own result stands."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.test_remote_lifetime import fleet

WAIT = 60.0


def _mount(path: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *options, str(path)], capture_output=True, text=True)


def _intent_sent(journals: Path) -> bool:
    return any(b'"command.intent"' in j.read_bytes() for j in journals.glob("*/journal.jsonl"))


def test_a_lock_directory_gone_read_only_is_said_not_a_crash(sshd_server, tmp_path):
    locks = tmp_path / "locks"
    locks.mkdir()
    made = _mount(locks, "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs")
    if made.returncode:
        pytest.skip(f"no tmpfs to make read-only here: {made.stderr.strip()}")
    try:
        config, _ = fleet(sshd_server, tmp_path, ["web-1"])
        argv = [sys.executable, "-m", "console", "exec", "--config", str(config)]
        exec_ = subprocess.Popen(
            [*argv, "--systems", "web", "sleep 4; echo done"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
        )
        try:
            deadline = time.monotonic() + WAIT
            while not _intent_sent(tmp_path / "j") and time.monotonic() < deadline:
                assert exec_.poll() is None, exec_.communicate()
                time.sleep(0.1)
            assert (locks / "web.lock").exists()  # held while the command runs
            ro = _mount(locks, "-o", "remount,ro")
            assert ro.returncode == 0, ro.stderr
            out, err = exec_.communicate(timeout=WAIT)
        finally:
            if exec_.poll() is None:
                exec_.kill()
                exec_.wait(timeout=30)
        assert exec_.returncode == 0, err  # the command succeeded: that stands
        assert out == "web-1: done\n"
        assert "internal error" not in err, err
        assert err.strip().splitlines()[-1] == (
            f"exec: the lock on web could not be let go ({locks}: Read-only file system): its"
            " file stays, stale once this process has exited: another incident there needs"
            " --take-over-lock REASON"
        ), err
        assert (locks / "web.lock").exists()
        (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
        events = read_journal(journal).events
        (kept,) = [e for e in events if e.kind == Kind.LOCK_KEPT]
        assert (kept.data.systems, kept.data.hosts) == (["web"], [])
        assert kept.data.stuck == f"{locks}: Read-only file system"
        assert events[-1].kind == Kind.INCIDENT_CLOSED
    finally:
        _mount(locks, "-o", "remount,rw")
        subprocess.run(["umount", "-l", str(locks)], check=False)
