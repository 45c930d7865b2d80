"""An incident whose console was killed (`kill -9`) on the jump host, as the next user
meets it: from cron or a pipe (no terminal), `resume` refuses in one line and leaves
everything as it was. On a real OpenSSH sshd, the console in a real terminal (tmux, 80x24)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.journal.lock import SystemLocks
from tests.test_remote_lifetime import _wait_for
from tests.test_terminal_closed import console_pid, declare, ended, fleet
from tests.test_ui_terminal import Tmux

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]

TERMINAL_NEEDED = "error: the console needs a terminal (standard input, output and error are not"


def headless(tmp_path: Path, config: Path | None, *argv: str) -> subprocess.CompletedProcess[str]:
    """A command as cron or `nohup ... > file` starts it: no terminal anywhere."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    configured = ("--config", str(config)) if config else ()
    return subprocess.run(
        [sys.executable, "-m", "console", *argv, *configured],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,  # a console drawn into the pipe would wait for keys until killed
        env=env,
    )


def killed_at_its_checklist(tmp_path: Path, config: Path) -> tuple[Path, int]:
    """The console in a terminal declares an incident on `web`, then is killed with -9:
    its journal, and the pid it had."""
    tmux = Tmux(tmp_path)
    try:
        declare(tmux, config)
        tmux.wait_for("Step 1 of")
        pid = console_pid(tmux)
        os.kill(pid, signal.SIGKILL)
        _wait_for(lambda: ended(pid), "the console to die")
        _wait_for(lambda: not Path(f"/proc/{pid}").exists(), "the console to be reaped")
    finally:
        tmux.kill()
    (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
    return journal, pid


def test_the_console_without_a_terminal_refuses_in_one_line(sshd_server, tmp_path):
    """`rollback-console` and `demo` from cron: one line saying what to use instead, exit 2,
    no incident, nothing drawn; `resume --demo` of a demo incident too, once its journal
    is found (the demo fleet started for it stopped again)."""
    config, _ = fleet(sshd_server, tmp_path)
    for argv, configured in (((), config), (("demo",), None)):
        done = headless(tmp_path, configured, *argv)
        assert done.returncode == 2, (argv, done.stdout[-300:], done.stderr[-300:])
        assert done.stdout == ""
        assert done.stderr == (
            f"{TERMINAL_NEEDED} one here): without one, use the headless commands:"
            " rollback-console run, exec, list, follow --plain, export (rollback-console --help)\n"
        ), argv
    assert not list((tmp_path / "j").glob("*/journal.jsonl"))
    assert not list((tmp_path / "state").glob("*incidents/*/journal.jsonl"))

    demo = tmp_path / "demo-incident"
    ran = headless(
        tmp_path, None, "run", "--demo", "--systems", "web", "--strategy", "version-rollback",
        "--trigger", "user-impact", "--reason", "checkout errors", "--yes", "--journal", str(demo),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    before = (demo / "journal.jsonl").read_bytes()
    done = headless(tmp_path, None, "resume", "--demo", str(demo))
    assert done.returncode == 2, (done.stdout[-300:], done.stderr[-300:])
    assert done.stderr.startswith(f"{TERMINAL_NEEDED} one here): nothing was opened"), done.stderr
    assert (demo / "journal.jsonl").read_bytes() == before


def test_resume_without_a_terminal_refuses_after_its_other_refusals(sshd_server, tmp_path):
    """A killed console's incident, resumed from cron: one line naming what to use instead,
    exit 2; the journal, its writer's record and the stale lock as they were (a resume
    from a terminal takes it back as ever). A refusal of its own comes first: the lock
    taken meanwhile by another live process is said as usual (exit 3)."""
    config, _ = fleet(sshd_server, tmp_path)
    journal, pid = killed_at_its_checklist(tmp_path, config)
    incident = journal.parent.name
    lock = tmp_path / "locks" / "web.lock"
    before = [p.read_bytes() for p in (journal, journal.with_name("writer.lock"), lock)]

    done = headless(tmp_path, config, "resume", incident)
    assert done.returncode == 2, (done.stdout[-300:], done.stderr[-300:])
    assert done.stdout == ""
    assert done.stderr == (
        f"{TERMINAL_NEEDED} one here): nothing was opened or written; without one, watch it"
        f" with rollback-console follow {incident} --plain --config {config} or read it with"
        f" rollback-console export {incident} --format markdown --config {config}, and resume"
        " it from a terminal (inside tmux on the jump host, a dropped session ends nothing)\n"
    )
    after = [p.read_bytes() for p in (journal, journal.with_name("writer.lock"), lock)]
    assert after == before
    assert SystemLocks(tmp_path / "locks").holder("web").pid == pid

    # Another incident's live process holds web now: that refusal comes first, as before.
    text = lock.read_text().replace(f'"pid": {pid}', f'"pid": {os.getpid()}')
    lock.write_text(text.replace(incident, "20261204-000000-0000"))
    refused = headless(tmp_path, config, "resume", incident)
    assert refused.returncode == 3, refused.stderr
    assert refused.stderr.startswith("refused: system 'web' is locked:"), refused.stderr
    assert journal.read_bytes() == before[0]
