"""SystemLocks.acquire raced by real processes: four of them, started together round
after round, take one system's lock, either free (a lock file made by one and read by
another before it was written read as torn, was deleted, and both held it) or stale (two
taking it over both unlinked and made it, or one met an uncaught FileExistsError).
Exactly one must win each round, the others refused with LockHeld, and the lock file
must name the winner.

What this can show: that no interleaving met in these rounds lets two win. What it
cannot: that none exists; it is no proof, and it says nothing about a console older than
the mutex sharing the directory (it does not take it)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from console.journal.lock import Holder, SystemLocks

WORKERS = 4
ROUNDS = 40  # each kind

# One racer: for each round, once `go-N` exists, acquire; then say how it went.
RACER = """
import json, os, socket, sys, time
from datetime import UTC, datetime
from pathlib import Path
from console.journal.lock import Holder, LockHeld, SystemLocks

directory, name, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
locks = SystemLocks(directory / "locks")
for n in range(rounds):
    go = directory / f"go-{n}"
    for _ in range(200000):
        if go.exists():
            break
        time.sleep(0.0005)
    take_over = go.read_text() == "stale"
    me = Holder(os.getpid(), "u", socket.gethostname(), datetime.now(UTC).isoformat(), name)
    try:
        locks.acquire("app", me, take_over_stale=take_over)
        said = "won"
    except LockHeld:
        said = "held"
    except Exception as exc:
        said = f"error {type(exc).__name__}: {exc}"
    aside = directory / f".said-{n}-{name}"
    aside.write_text(said)
    aside.rename(directory / f"said-{n}-{name}")  # whole once visible
# Alive until every answer is read: a winner gone would leave a truly stale lock, which
# a slower racer of the same round rightly takes over (a second "won").
for _ in range(600000):
    if (directory / "done").exists():
        break
    time.sleep(0.0005)
"""


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _wait_for(paths: list[Path]) -> None:
    for _ in range(600000):  # bounded: 5 minutes at most
        if all(p.exists() for p in paths):
            return
        time.sleep(0.0005)
    raise AssertionError(f"no answer in {paths}")


def test_one_lock_one_winner_among_racing_processes(tmp_path: Path) -> None:
    locks = tmp_path / "locks"
    lock = locks / "app.lock"
    stale = Holder(_dead_pid(), "gone", socket.gethostname(), "2026-12-01T00:00:00+00:00", "old")
    names = [f"inc-{i}" for i in range(WORKERS)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    argv = [sys.executable, "-c", RACER, str(tmp_path)]
    racers = [subprocess.Popen([*argv, n, str(2 * ROUNDS)], env=env) for n in names]
    failures: list[str] = []
    try:
        for n in range(2 * ROUNDS):
            kind = "stale" if n % 2 else "free"
            lock.unlink(missing_ok=True)
            if kind == "stale":  # as a console that died left it
                SystemLocks(locks).acquire("app", stale)
            (tmp_path / ".go").write_text(kind)
            (tmp_path / ".go").rename(tmp_path / f"go-{n}")  # whole once visible
            said = {name: tmp_path / f"said-{n}-{name}" for name in names}
            _wait_for(list(said.values()))
            answers = {name: path.read_text() for name, path in said.items()}
            winners = [name for name, a in answers.items() if a == "won"]
            if len(winners) != 1 or any(a not in ("won", "held") for a in answers.values()):
                failures.append(f"round {n} ({kind}): {answers}")
            elif json.loads(lock.read_text())["incident"] != winners[0]:
                failures.append(f"round {n} ({kind}): {winners[0]} won, the file names another")
    finally:
        (tmp_path / "done").touch()
        for racer in racers:
            assert racer.wait(timeout=300) == 0
    assert not failures, "\n".join(failures)
    assert not list(locks.glob(".*.new")), "a lock written aside was left behind"
