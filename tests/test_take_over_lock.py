"""`--take-over-lock` on exec and resume, as on run: a stale lock (its console died)
held for another incident refuses them (exit 3, one line, nothing written) until the
commander gives a reason; with one it is taken over and the reason journalled. A live
holder is never taken over (tests/test_one_lock.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.journal.lock import SystemLocks
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.state import fold
from tests.test_locks import _dead_pid, _holder
from tests.test_one_lock import RUN, _env, hanging_run, incidents
from tests.test_ui_terminal import Tmux

REASON = "its console crashed; nobody else rolls back"


def cli(state: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(state),
    )


def crashed_elsewhere(state: Path) -> None:
    """`web`'s lock is another incident's, whose console is gone."""
    lock_dir = state / "demo-locks"
    (lock_dir / "web.lock").unlink(missing_ok=True)
    SystemLocks(lock_dir).acquire("web", _holder(_dead_pid(), "inc-crashed"))


def taken_over(journal: Path) -> dict:
    (event,) = [e for e in read_journal(journal).events if e.kind == Kind.LOCK_TAKEN_OVER]
    return event.data.dump()


def refused(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith(
        "refused: system 'web' is held by a stale lock (its process is gone):"
        " incident inc-crashed by alice"
    )
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("existing", [False, True], ids=["new incident", "--journal"])
def test_exec_takes_over_a_stale_lock_only_with_a_reason(tmp_path: Path, existing: bool) -> None:
    state = tmp_path / "state"
    extra: list[str] = []
    if existing:  # an open incident whose console died: exec may add to it
        crashed = hanging_run(state)
        crashed.send_signal(signal.SIGKILL)
        crashed.wait(timeout=30)
        (journal,) = state.glob("demo-incidents/*/journal.jsonl")
        extra = ["--journal", str(journal)]
    crashed_elsewhere(state)
    before = incidents(state)
    written = journal.read_bytes() if existing else b""
    exec_ = ["exec", "--demo", "--systems", "web", *extra]

    refused(cli(state, *exec_, "true"))
    assert incidents(state) == before, "a refused exec creates no incident"
    if existing:
        assert journal.read_bytes() == written, "nor writes to the one it names"

    took = cli(state, *exec_, "--take-over-lock", REASON, "true")
    assert took.returncode == 0, took.stderr
    if not existing:
        (new,) = set(incidents(state)) - set(before)
        journal = state / "demo-incidents" / new / "journal.jsonl"
    data = taken_over(journal)
    assert data["reason"] == REASON and data["previous"]["incident"] == "inc-crashed"
    holder = SystemLocks(state / "demo-locks").holder("web")
    if not existing:
        assert holder is None, "given back at the end"
        return
    # The crashed run left a host unknown in that incident: its locks are kept for it.
    assert holder is not None and holder.incident == fold(read_journal(journal).events).incident_id
    assert [e for e in read_journal(journal).events if e.kind == Kind.LOCK_KEPT]


def test_exec_into_a_closed_incident_is_refused(tmp_path: Path) -> None:
    """A closed incident takes amendments only: no command is added to its record."""
    state = tmp_path / "state"
    assert cli(state, *RUN).returncode == 0
    (journal,) = state.glob("demo-incidents/*/journal.jsonl")
    written = journal.read_bytes()
    # named by its path, or by its id as resume and export take it (the id read "no such
    # journal")
    for named in (str(journal), journal.parent.name):
        exec_ = ["exec", "--demo", "--systems", "web", "--journal", named, "true"]
        done = cli(state, *exec_)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
        assert "the incident is closed (rolled back and verified)" in done.stderr
        assert journal.read_bytes() == written


def test_resume_takes_over_a_stale_lock_only_with_a_reason(tmp_path: Path) -> None:
    state = tmp_path / "state"
    crashed = hanging_run(state)
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(timeout=30)
    (journal,) = state.glob("demo-incidents/*/journal.jsonl")
    crashed_elsewhere(state)
    before = journal.read_bytes()

    refused(cli(state, "resume", str(journal)))
    assert journal.read_bytes() == before, "a refused resume writes nothing"

    tmux = Tmux(tmp_path)
    try:
        tmux.start(
            f"rollback-console resume {journal} --take-over-lock '{REASON}'; echo EXITED $?;"
            " sleep 30"
        )
        tmux.wait_for("Outcome unknown on web-1")
        holder = SystemLocks(state / "demo-locks").holder("web")
        assert holder is not None and holder.incident == journal.parent.name
        tmux.keys("C-q")
        tmux.wait_for("stays open")  # the incident is not closed: asked once
        tmux.keys("y")
        screen = tmux.wait_for("EXITED 0")
    finally:
        tmux.kill()
    data = taken_over(journal)
    assert data["reason"] == REASON and data["previous"]["incident"] == "inc-crashed"
    # web-1 is still unknown (the crashed run's change may still run there): the quit
    # keeps the lock, now this incident's, and says so.
    assert "its locks held (web)" in "".join(screen.splitlines()), screen
    assert SystemLocks(state / "demo-locks").holder("web").incident == journal.parent.name
