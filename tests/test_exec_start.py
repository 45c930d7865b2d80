"""`exec` starts its hosts' handshakes as soon as everything given is checked, before the
journal opens (bench/HISTORY.md, issue 18): on a real OpenSSH sshd, a refused lock still
runs nothing and writes no journal, and a run's journal opens with its locks before any
command is sent."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from console.journal.files import OUTPUT_NAME
from console.journal.lines import line_bytes
from console.journal.lock import Holder, SystemLocks
from console.journal.store import read_journal
from console.model.events import Event, Kind
from console.model.payloads import LockAcquired
from tests.test_remote_lifetime import fleet

pytestmark = pytest.mark.sshd

HOSTS = ["web-1", "web-2"]
TOUCH = "touch ran"


def _exec(config: Path, state: Path, command: str = TOUCH) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", "exec", "--config", str(config), "--systems", "web", command],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)},
    )  # fmt: skip


def test_exec_refused_by_a_live_lock_runs_nothing_and_writes_no_journal(sshd_server, tmp_path):
    config, sandboxes = fleet(sshd_server, tmp_path, HOSTS)
    holder = Holder(os.getpid(), "alice", socket.gethostname(), "2026-12-01T09:00:00+00:00", "i-1")
    SystemLocks(tmp_path / "locks").acquire("web", holder)
    connections = sshd_server.server.log().count("Connection from")
    done = _exec(config, tmp_path / "state")
    assert done.returncode == 3, done.stderr
    assert sshd_server.server.log().count("Connection from") == connections  # no host contacted
    assert "refused" in done.stderr and "incident i-1 by alice" in done.stderr
    assert not [h for h in HOSTS if (sandboxes[h] / "ran").exists()]
    assert not list((tmp_path / "j").glob("*/journal.jsonl"))


def test_exec_journals_its_opening_and_locks_before_any_command(sshd_server, tmp_path):
    """Its lines, written without pydantic (console/journal/lines.py), are the bytes
    pydantic writes for the events read back."""
    config, sandboxes = fleet(sshd_server, tmp_path, HOSTS)
    done = _exec(config, tmp_path / "state", f"{TOUCH}; printf '\\303\\251 \\033[1m\\t\\n' >&2")
    assert done.returncode == 0, done.stderr
    assert [h for h in HOSTS if (sandboxes[h] / "ran").exists()] == HOSTS
    (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
    written = [
        *journal.read_bytes().splitlines(),
        *(journal.parent / OUTPUT_NAME).read_bytes().splitlines(),
    ]
    assert len(written) == 14  # 12 actions, a line of stderr from each host
    for line in written:
        assert line_bytes(Event.validated(json.loads(line))) == line + b"\n"
    assert "\\u001b[1m\\t" in written[-1].decode() and "é" in written[-1].decode()
    kinds = [e.kind for e in read_journal(journal).events]
    assert kinds[:4] == [
        Kind.INCIDENT_OPENED,
        Kind.LOCK_ACQUIRED,
        Kind.STEP_STARTED,
        Kind.WAVE_STARTED,
    ]
    assert kinds.count(Kind.COMMAND_INTENT) == len(HOSTS)


def test_exec_on_a_configuration_wrong_past_its_inventory_sends_nothing(sshd_server, tmp_path):
    """exec dials its hosts once inventory.toml alone is validated, while the rest of the
    configuration loads: a procedure.toml the models refuse stops it (exit 2, the problem
    said as check-config says it) before any command is sent or any journal written."""
    config, sandboxes = fleet(sshd_server, tmp_path, HOSTS)
    procedure = config / "procedure.toml"
    procedure.write_text("unheard_of = 1\n" + procedure.read_text())
    done = _exec(config, tmp_path / "state")
    assert done.returncode == 2, done.stderr
    assert "procedure.toml:1: unheard_of" in done.stderr, done.stderr
    assert not [h for h in HOSTS if (sandboxes[h] / "ran").exists()]
    assert not list((tmp_path / "j").glob("*/journal.jsonl"))


def test_the_lock_names_the_jump_host_in_its_payload_not_where_it_happened(sshd_server, tmp_path):
    """lock.acquired's `host` is the jump host (docs/journal.md): it was filed as the
    event's where.host, so every Where column (run's lines, the timeline, the document's
    appendix) named the jump host beside "locked systems web" as if it were a host of the
    inventory, and the payload's own `host` was empty."""
    config, _ = fleet(sshd_server, tmp_path, HOSTS)
    done = _exec(config, tmp_path / "state")
    assert done.returncode == 0, done.stderr
    (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
    (locked,) = [e for e in read_journal(journal).events if e.kind == Kind.LOCK_ACQUIRED]
    assert locked.payload(LockAcquired).host == socket.gethostname()
    assert locked.where.host is None
    document = subprocess.run(
        [sys.executable, "-m", "console", "export", str(journal), "--format", "markdown"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert "| locked systems web | – |" in document


def test_exec_taking_a_stale_lock_over_says_so_and_that_it_let_go(sshd_server, tmp_path):
    """The verify by hand the close dialog gives (`exec --take-over-lock REASON ...`): on a
    stale lock it printed the hosts' output and nothing else, so whoever ran it could not
    tell whether the lock was taken over, nor that it was released at its end. Its last
    line on stderr says both."""
    config, _ = fleet(sshd_server, tmp_path, HOSTS)
    gone = subprocess.Popen(["true"])  # a pid on this machine that no longer runs
    gone.wait()
    holder = Holder(gone.pid, "alice", socket.gethostname(), "2026-12-01T09:00:00+00:00", "i-1")
    SystemLocks(tmp_path / "locks").acquire("web", holder)
    done = subprocess.run(
        [sys.executable, "-m", "console", "exec", "--config", str(config), "--systems", "web",
         "--take-over-lock", "web-2 verified by hand", "true"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "exec: took over the stale lock of incident i-1 on web: web-2 verified by hand;"
        " released at its end"
    ], done.stderr
    assert not (tmp_path / "locks" / "web.lock").exists()
