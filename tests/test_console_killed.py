"""An incident whose console was killed (`kill -9`) on the jump host, or whose terminal
closed, as the next user meets it: `list`, `follow --plain` and the console's resume say
that its console ended without closing it, who and when; from cron or a pipe (no
terminal), `resume` refuses in one line and leaves everything as it was. On a real
OpenSSH sshd, the console in a real terminal (tmux, 80x24)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.widgets import Static

from console.engine.session import Engine
from console.journal.lock import SystemLocks
from console.journal.store import read_journal
from console.journal.times import utc
from console.model.loading import load_settings
from console.model.state import HostStatus
from console.ui.app import make_app
from console.ui.follow import make_follow_app
from console.ui.screens.checklist import ChecklistScreen
from tests.test_remote_lifetime import _wait_for
from tests.test_terminal_closed import console_pid, declare, ended, fleet, resumed_notice
from tests.test_ui_support import until
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


def ended_at_its_checklist(tmp_path: Path, config: Path, how: str = "kill -9") -> tuple[Path, int]:
    """The console in a terminal declares an incident on `web`, then is killed with -9
    (or its terminal closes, `hang up`: as when the SSH session to the jump host drops;
    or its commander quits, leaving it open):
    its journal, and the pid it had."""
    tmux = Tmux(tmp_path)
    try:
        declare(tmux, config, leader=how == "hang up")
        tmux.wait_for("Step 1 of")
        pid = console_pid(tmux)
        if how == "hang up":
            tmux.kill()
        elif how == "quit":  # its commander quits, leaving it open (asked once)
            tmux.keys("C-q")
            tmux.wait_for("Quit")
            tmux.keys("y")
        else:
            os.kill(pid, signal.SIGKILL)
        _wait_for(lambda: ended(pid), "the console to end")
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
    journal, pid = ended_at_its_checklist(tmp_path, config)
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
    # The follow view likewise, naming its plain lines (served to a browser, it has its own
    # driver: tests/test_serve.py).
    followed = headless(tmp_path, config, "follow", incident)
    assert followed.returncode == 2, (followed.stdout[-300:], followed.stderr[-300:])
    assert followed.stderr == (
        "error: the follow view needs a terminal (standard input, output and error are not one"
        f" here): without one, rollback-console follow {journal.parent} --plain --config"
        f" {config} prints the incident's events as lines as they are written\n"
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


def following(
    tmp_path: Path, journal: Path, until: str, *more: str
) -> tuple[list[str], subprocess.Popen]:
    """`follow --plain` on `journal` (and `more` options): its lines up to the first holding
    `until` (bounded: the follower is killed after 60 s), and the follower, still running."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    follower = subprocess.Popen(
        [sys.executable, "-m", "console", "follow", str(journal.parent), "--plain", *more],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env,
    )  # fmt: skip
    deadline = threading.Timer(60, follower.kill)
    deadline.start()
    lines: list[str] = []
    try:
        assert follower.stdout is not None
        for line in follower.stdout:
            lines.append(line.rstrip("\n"))
            if until in line:
                break
    finally:
        deadline.cancel()
    return lines, follower


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("kill -9", "ended without closing it or letting go (killed, or crashed)"),
        ("hang up", "ended without closing it: terminal closed (SIGHUP)"),
        ("quit", "let go of it without closing it"),
    ],
)
def test_a_console_that_ended_without_closing_is_said_so(sshd_server, tmp_path, how, why):
    """The next user meets an incident whose console was killed, or whose terminal closed:
    `list`, `follow --plain` and the console's resume each say plainly that its console
    ended without closing it, who that was (pid, account, jump host) and when its last
    event was written."""
    config, _ = fleet(sshd_server, tmp_path)
    journal, pid = ended_at_its_checklist(tmp_path, config, how)
    last = read_journal(journal).events[-1]
    said = (
        f"rollback-console pid {pid} ({last.who.user} on {socket.gethostname()}) {why};"
        f" its last event was written at {utc(last.ts)}"
    )

    listed = headless(tmp_path, config, "list")
    assert listed.returncode == 0, listed.stderr
    assert f"\n  Left open: {said}.\n" in listed.stdout, listed.stdout
    record = json.loads(headless(tmp_path, config, "list", "--json").stdout)
    assert record["incidents"][0]["left_open"] == said

    lines, follower = following(tmp_path, journal, "! nobody drives")
    follower.kill()
    follower.wait(timeout=30)
    assert lines[-1] == (
        f"! nobody drives this incident now: {said}. To carry it on: rollback-console resume"
        f" {journal.parent}"
    ), lines[-5:]
    assert sum(line.startswith("! ") for line in lines) == 1, lines
    # Followed with the configuration named, the resume it prints names it too, as the
    # console's own lines do: pasted into another shell, it reads the same one.
    lines, follower = following(tmp_path, journal, "! nobody drives", "--config", str(config))
    follower.kill()
    follower.wait(timeout=30)
    assert lines[-1].endswith(f"rollback-console resume {journal.parent} --config {config}")

    # The console's home screen says it under its list of incidents, first, at 80x24.
    async def home() -> str:
        engine = Engine.build(load_settings(config))
        app = make_app(engine.settings, engine, sample_probes=False, check_reach=False)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                box = app.screen.query_one("#incident-custody", Static)
                await until(pilot, lambda: bool(box.display))
                return str(box.render())
        finally:
            await engine.close()

    assert asyncio.run(home()).startswith(f"Left open: {said}.\n")

    # The follow view (a second responder's) says it as it opens, at 80x24.
    async def followed() -> list[str]:
        app = make_follow_app(journal)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: any(n.title == "Left open" for n in app._notifications))
            return [n.message for n in app._notifications if n.title == "Left open"]

    assert asyncio.run(followed()) == [
        f"Nobody drives this incident now: {said}. Whoever carries it on resumes it."
    ]

    if how != "quit":  # a quit is its commander's choice: the resume says nothing of it
        notice = asyncio.run(resumed_notice(config, journal))
        assert notice == [f"Before this resume, {said}."], notice


def test_follow_plain_says_what_it_waits_for(sshd_server, tmp_path):
    """`follow --plain` on a journal nothing is written in yet says once which journal it
    waits for, then prints its events as they come, and ends at the close."""
    config, sandboxes = fleet(sshd_server, tmp_path)
    for sandbox in sandboxes.values():
        (sandbox / "go").touch()  # the version rollback's action waits for nothing
    ran = headless(
        tmp_path, config, "run", "--systems", "web", "--strategy", "version-rollback",
        "--trigger", "user-impact", "--reason", "checkout errors", "--yes",
        "--journal", str(tmp_path / "ran"),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-500:] + ran.stderr[-500:]
    waiting = tmp_path / "waiting" / "journal.jsonl"
    waiting.parent.mkdir()
    waiting.touch()
    lines, follower = following(tmp_path, waiting, "waiting for")
    assert lines == [f"! nothing is recorded in {waiting} yet: waiting for its first event"]
    for name in ("output.jsonl", "journal.jsonl"):  # as its writer appends them
        with (waiting.parent / name).open("ab") as written:
            written.write((tmp_path / "ran" / name).read_bytes())
    out, err = follower.communicate(timeout=60)
    assert follower.returncode == 0, err
    assert "opened the incident" in out.splitlines()[0], out[:300]
    assert "closed the incident: rolled back and verified" in out, out[-300:]
    # no notice of its own ('! ...' lines); a command's headline may hold '[ ! -e go ]'
    assert not [line for line in out.splitlines() if line.startswith("! ")], out


def test_a_run_killed_mid_step_is_named_alike_in_list(sshd_server, tmp_path):
    """A headless `run` killed with -9 while its strategy's action runs: `list` names the
    process the same way on its custody line and on its 'Left open' line (the program and
    its pid, `rollback-console run pid N`), so that nobody wonders whether two processes
    are meant."""
    config, sandboxes = fleet(sshd_server, tmp_path)
    run = killed_mid_action(tmp_path, config, sandboxes)
    listed = headless(tmp_path, config, "list")
    assert listed.returncode == 0, listed.stderr
    assert f"'s rollback-console run pid {run.pid} on " in listed.stdout, listed.stdout
    assert f"\n  Left open: rollback-console run pid {run.pid} (" in listed.stdout, listed.stdout


def test_a_follower_reads_a_strategy_steps_host_as_verify_before_retrying(sshd_server, tmp_path):
    """A second responder follows an incident whose `run` was killed while its strategy's
    action ran: the host it left is unknown, and the strategy has a verify, so the follow
    view says "verify before retrying", as the commander's console does. It said "check
    by hand before retrying" and "no verify: the commander checks by hand" (its settings,
    read from the journal, know no strategy: every strategy step read as one without a
    verify), so a follower told the bridge to check hosts by hand that V would verify."""
    from console.model.state import fold

    config, sandboxes = fleet(sshd_server, tmp_path)
    killed_mid_action(tmp_path, config, sandboxes)
    [journal] = (tmp_path / "j").glob("*/journal.jsonl")
    [(step, host)] = fold(read_journal(journal).events).hosts_with(HostStatus.RUNNING)

    async def followed() -> tuple[str, str]:
        app = make_follow_app(journal)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f3")
            grid = app.screen.query_one("#grid")
            await until(pilot, lambda: host in grid.rows)
            await until(pilot, lambda: "unknown" in str(grid.get_cell(host, "Status")))
            line = str(grid.get_cell(host, "Last line"))
            await pilot.press("f2")
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            app.screen.select_step(step)
            detail = app.screen.query_one("#step-detail")
            await until(pilot, lambda: "? unknown" in str(detail.render()))
            return line, " ".join(str(detail.render()).split())

    line, detail = asyncio.run(followed())
    assert line.startswith("unknown: verify before retrying"), line
    assert f"? unknown: verify before retrying: {host} (the commander verifies or" in detail
    assert "check by hand" not in detail, detail


def killed_mid_action(tmp_path: Path, config: Path, sandboxes: dict[str, Path]):
    """A headless `run` of the version rollback on `web`, killed with -9 once its action
    was sent (the action waits for `go`, let go after); the process, ended."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    argv = ["run", "--config", str(config), "--systems", "web", "--strategy", "version-rollback"]
    argv += ["--trigger", "user-impact", "--reason", "killed mid-step", "--yes"]
    run = subprocess.Popen(
        [sys.executable, "-m", "console", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        journals = tmp_path / "j"
        _wait_for(
            lambda: any('"stage":"action"' in p.read_text() for p in journals.glob("*/*.jsonl")),
            "the run's action to be sent",
        )
        os.kill(run.pid, signal.SIGKILL)
    finally:
        run.kill()
        run.wait(timeout=30)
        for sandbox in sandboxes.values():
            (sandbox / "go").touch()
    return run


def test_verify_takes_the_hosts_a_killed_run_left_without_an_outcome(sshd_server, tmp_path):
    """Walked on real sshd with a PostgreSQL point-in-time recovery: `run` killed (-9)
    once its action was sent (the data directory replaced, the recovery going on), then
    `rollback-console verify JOURNAL`, as the README says for an incident left open with
    hosts unknown: it refused, 'incident ... is open and no host's outcome is unknown
    there: there is nothing to verify', of a host whose action has no outcome on record
    (the journal folds it as running until a resume records it unknown). It verifies that
    host, as resume then V does."""
    from console.model.state import fold
    from tests.test_resume_between_waves import attempts_ended

    config, sandboxes = fleet(sshd_server, tmp_path)
    killed_mid_action(tmp_path, config, sandboxes)
    [journal] = (tmp_path / "j").glob("*/journal.jsonl")
    [(_step, host)] = fold(read_journal(journal).events).hosts_with(HostStatus.RUNNING)
    attempts_ended(journal.parent)
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}

    verified = subprocess.run(
        [sys.executable, "-m", "console", "verify", str(journal.parent), "--config", str(config)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert verified.returncode in (0, 1), verified.stdout + verified.stderr
    assert f"{host}: verified: " in verified.stdout, verified.stdout + verified.stderr
    assert "nothing to verify" not in verified.stderr
