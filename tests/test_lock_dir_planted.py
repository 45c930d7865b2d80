"""What the console reads in the team's lock directory (2770: every account of the team
writes there) is read as a file, never through a link or from a FIFO another account
planted there. Walked with two real accounts on a real sshd: h190b made a FIFO
`web.lock` in the team's lock_dir; h190a declared an incident on web and the console froze
at the picker's Enter (the lock's read waited on the FIFO for a writer), holding the lock
directory's mutex meanwhile, so every console of the team waited on it too. A link or a
FIFO is no console's lock (a lock is made as a file): the system is free, and taken."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.journal.lock import SystemLocks
from console.journal.store import read_journal
from console.model.events import Kind
from console.ui.yielding import YieldDialog
from tests import test_ui_support as ui
from tests.cli_fleet import write_fleet
from tests.sshd import ensure_test_account
from tests.test_handover_asked import the_console
from tests.test_incident_custody import shared  # noqa: F401 (a fixture)
from tests.test_notify_interrupted import NOOP, PROCEDURE
from tests.test_team_dirs import team  # noqa: F401 (a fixture)
from tests.test_ui_support import _close_engines, _no_cursor_blink  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")

REASON = "checkout errors after 2.10.0"


def team_locks(tmp_path: Path) -> tuple[Path, int]:
    """The team's lock_dir (2770, root's, of the other account's group) and that account's
    uid: it plants there."""
    other = ensure_test_account("rbplanter")
    locks = tmp_path / "locks"
    locks.mkdir()
    os.chown(locks, 0, other.gid)
    locks.chmod(0o2770)
    return locks, other.uid


def fifo(path: Path, owner: int) -> None:
    os.mkfifo(path, 0o660)
    os.chown(path, owner, -1)


@contextlib.contextmanager
def let_go_after(path: Path, seconds: float = 30.0) -> Iterator[threading.Event]:
    """A reader still waiting on FIFO `path` after `seconds` is let go (a writer opens it,
    removes it and closes it: the read ends empty), and the event yielded is set: the
    test stays bounded where the console waits on the FIFO."""
    waited, done = threading.Event(), threading.Event()

    def watch() -> None:
        if not done.wait(seconds):
            waited.set()
            with contextlib.suppress(OSError):
                writer = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                path.unlink()  # nothing to wait on at the next look
                os.close(writer)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield waited
    finally:
        done.set()
        watcher.join(seconds + 5)


def link(path: Path, target: Path, owner: int) -> None:
    path.symlink_to(target)
    os.lchown(path, owner, -1)


@pytest.mark.sshd
def test_a_run_takes_a_system_whose_lock_is_a_planted_fifo(sshd_server, tmp_path) -> None:
    """`run` on a real sshd, the team's lock_dir holding, of another account's, a FIFO as
    the system's lock and as its note of holders, and a link as its journal's note: it
    runs (on main it waited on the FIFO until killed) and holds the system's lock."""
    locks, other = team_locks(tmp_path)
    fifo(locks / "app.lock", other)
    fifo(locks / "app.lock.left", other)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"incident": "x", "journal": "/etc/passwd"}))
    link(locks / "app.lock.journal", elsewhere, other)
    files = {
        "procedure.toml": PROCEDURE,
        "strategies.toml": {"strategies": [NOOP]},
        "console.toml": {"lock_dir": str(locks)},
    }
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[])
    config = ["--config", str(fleet.config)]
    argv = ["run", "--systems", "app", "--strategy", "noop", "--trigger", "user-impact"]
    try:
        ran = subprocess.run(
            [sys.executable, "-m", "console", *argv, "--reason", REASON, "--yes", *config],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)},
        )
    except subprocess.TimeoutExpired:
        pytest.fail("run waited on the FIFO planted as the lock (killed after 60 s)")
    assert ran.returncode == 0, ran.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    kinds = [e.kind for e in read_journal(journal).events]
    assert Kind.LOCK_ACQUIRED in kinds and Kind.INCIDENT_CLOSED in kinds
    assert elsewhere.read_text() == json.dumps({"incident": "x", "journal": "/etc/passwd"})
    assert not (locks / "app.lock").exists()  # let go at its end; the FIFO is gone with it


def test_a_teammates_fifo_or_link_as_a_lock_is_no_holder(tmp_path) -> None:
    """What every console of the team reads of a lock (the home screen's and `list`'s
    holders, the refusal's): a FIFO is not waited on, a link is not read as the lock
    it points to (another system's: web shown as held by db's incident)."""
    from tests.test_team_dirs import holder_of

    locks, other = team_locks(tmp_path)
    held = SystemLocks(locks)
    held.acquire("db", holder_of("inc-db", os.getpid(), tmp_path / "journal.jsonl"))
    link(locks / "web.lock", locks / "db.lock", other)
    fifo(locks / "api.lock", other)
    pid = os.fork()
    if pid == 0:  # a child: a read waiting on the FIFO is killed, not waited on here
        os._exit(0 if set(SystemLocks(locks).held()) == {"db"} else 1)
    for _ in range(300):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the lock's read waited on the FIFO planted as api.lock")
    assert os.waitstatus_to_exitcode(status) == 0


async def test_a_fifo_as_a_request_for_command_never_holds_the_console(shared) -> None:  # noqa: F811 (a fixture)
    """The console driving an incident looks for a teammate's request for command every
    second (`<incident>.handover` in the lock_dir): a FIFO planted there is no request, and
    is not waited on (the console froze at its next look)."""
    journals, locks, account = shared
    _, app = await the_console(journals, locks)
    async with app.run_test(size=(80, 24)) as pilot:
        await ui.open_incident(pilot)
        incident = app.conductor.state.incident_id
        request = locks / f"{incident}.handover"
        fifo(request, account.uid)
        with let_go_after(request) as waited:
            app.yielding.tick()  # what the console does every REQUEST_SECONDS
        assert not waited.is_set(), "the console waited on the FIFO (let go after 30 s)"
        await pilot.pause()
        assert not isinstance(app.screen, YieldDialog)
        assert app.conductor.state.commander == ui.ACTOR.login
