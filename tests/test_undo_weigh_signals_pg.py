"""A TERM or a hang-up while headless `undo` asks the hosts what a restore's undo sets
aside. Seen on a real PostgreSQL over real sshd, the server slow to answer (its postmaster
stopped): `kill -TERM` (or the terminal closing) then killed `undo` outright, exit -15, no
line, the journal ending on `locked systems db`. Now the question ends, nothing sent: a
line and a note say so, the locks are released, exit 1 (TERM) or 129 (hang-up)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests import pgrig
from tests.test_presets_postgres import ids
from tests.test_undo_sets_aside_pg import restored

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures

BOUND = 60.0  # seconds: every wait below is for a fact, bounded by this
ASKING = b"pg_snapshot_xmax"  # in the command line of the question's psql, on the host


def _asking(port: int) -> set[str]:
    """The processes of the question's psql on the host (this machine: loopback) asking
    this test's cluster: another test's, beside it under xdist, asks its own port."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if ASKING not in cmdline or b"psql" not in cmdline:
                continue
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile
            continue
        if f"PGPORT={port}".encode() in environ:
            found.add(pid)
    return found


def _ended_while_asked(argv: list[str], env: dict[str, str], signum: int, port: int):
    before = _asking(port)  # an earlier undo's, still waiting
    started = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + BOUND
    while not _asking(port) - before:  # this undo asks its host
        assert started.poll() is None and time.monotonic() < deadline, "never asked"
        time.sleep(0.05)
    started.send_signal(signum)
    out, err = started.communicate(timeout=BOUND)
    return started.returncode, out.decode(), err.decode()


def test_a_signal_while_the_hosts_are_asked_starts_no_undo(host, cluster, tmp_path):
    config, state, incident = restored(host, cluster, tmp_path)
    cluster.sql("INSERT INTO orders VALUES (10, 'after the restore')")
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)}
    argv = [sys.executable, "-m", "console", "--config", str(config)]
    argv += ["undo", str(incident), "restore", "--yes", "--discard-writes"]
    postmaster = int((cluster.pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGSTOP)  # the question's psql waits: a server slow to answer
    try:
        termed = _ended_while_asked(argv, env, signal.SIGTERM, cluster.port)
        hung = _ended_while_asked(argv, env, signal.SIGHUP, cluster.port)
    finally:
        os.kill(postmaster, signal.SIGCONT)

    said = "while its hosts were asked what it sets aside: nothing was sent"
    assert termed[0] == 1, termed
    assert f"not started: interrupted by SIGTERM {said}" in termed[2], termed
    assert hung[0] == 129, hung
    assert f"not started: ended by SIGHUP {said}" in hung[2], hung
    assert ids(cluster) == [1, 2, 3, 10]  # the restored data and the write since: not undone
    events = read_journal(incident / "journal.jsonl").events
    assert not [e for e in events if e.where.step == "restore.undo"]
    notes = [e.data.text for e in events if e.kind == Kind.NOTE_ADDED]
    assert notes[-2:] == [
        f"Undo of “Restore the data” not started ({why} {said})"
        for why in ("interrupted by SIGTERM", "ended by SIGHUP")
    ]
    assert events[-1].kind == Kind.LOCK_RELEASED
