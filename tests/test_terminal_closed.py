"""The commander's terminal goes away mid-step: the SSH session to the jump host drops or
tmux is killed (the terminal hangs up: SIGHUP), or the console is sent SIGTERM. Nobody can
be asked, so the console does what the quit dialog's D does: the command in flight runs on
to its end, the hosts waiting their turn are sent nothing and journalled not started, the
reason is journalled, the locks are kept (web-1's change may still run), and it exits
(128 + the signal). On a real OpenSSH sshd, the console in a real terminal (tmux, 80x24),
driven with keys."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Static

from console.engine.session import Engine
from console.journal.describe import describe
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.payloads import RunDetached
from console.ui.app import make_app
from console.ui.screens.close import CloseDialog
from console.ui.screens.execution_rows import why_text
from tests.fleet_settings import sshd_settings, write_config
from tests.test_remote_lifetime import _wait_for, started
from tests.test_ui_support import until
from tests.test_ui_terminal import Tmux
from tests.unknown_verified import verified_once_ended

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]

HOSTS = ["web-1", "web-2", "web-3"]
STEP = "capture-evidence"
# The version rollback waits, printing nothing, until the test lets it go (bounded: 5 min,
# so an action a failed test never let go, in a sandbox deleted since, ends).
WAIT = "i=0; while [ ! -e go ] && [ $i -lt 1500 ]; do sleep 0.2; i=$((i+1)); done; date > started\n"


async def _let_go(app, engine: Engine) -> None:
    """A resumed console under test ends: its locks and journal given back, then its engine."""
    if app.conductor is not None:
        app.conductor.release_locks()
        app.conductor.recorder.close()
    await engine.close()


def fleet(sshd_server, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """A configuration written as the README says, on one real sshd, one command at a
    time: the third step rolls the version back, and its action waits for `go`."""
    settings, sandboxes = sshd_settings(sshd_server, dict.fromkeys(HOSTS, "web"), max_commands=1)
    config = write_config(
        tmp_path / "config", settings, lock_dir=tmp_path / "locks", journal_dir=tmp_path / "j"
    )
    procedure = config / "procedure.toml"
    text = procedure.read_text()
    old = (
        'kind = "command"\n'
        "confirm = false  # read-only: it changes nothing, so it does not ask first\n"
        """command = 'echo "release $(basename "$(readlink current)")"; cat service/metrics'\n"""
    )
    assert old in text
    procedure.write_text(text.replace(old, 'kind = "strategy"\n'))
    strategies = config / "strategies.toml"
    text = strategies.read_text()
    action = "action = '''\ncur=$(basename \"$(readlink current)\")\ntarget={{target}}\n"
    assert text.count(action) == 1
    strategies.write_text(text.replace(action, action.replace("'''\n", f"'''\n{WAIT}", 1)))
    return config, sandboxes


def events_of(journal: Path) -> list[dict]:
    """The journal's whole lines: one being written as it is read is left for later."""
    return [json.loads(line) for line in journal.read_text().split("\n")[:-1] if line]


def declare(tmux: Tmux, config: Path, leader: bool = False) -> None:
    """The console in `tmux`: a new incident on the whole of `web`, at its checklist.
    `leader`: the console is the terminal's session leader (no shell around it), which
    a hangup sends SIGCONT with its SIGHUP; else a shell prints its exit status."""
    console = f"{sys.executable} -m console --config {config}"
    tmux.start(f"exec {console}" if leader else f"{console}; echo EXITED $?; sleep 60")
    tmux.declare()


def start_the_step(tmux: Tmux, config: Path, journals: Path, leader: bool, user: str) -> Path:
    """Declare on `web`, confirm the two manual steps, start the version rollback; its
    journal once web-1's action runs on it (web-2 and web-3 wait their turn)."""
    declare(tmux, config, leader)
    for step in (1, 2):
        tmux.wait_for(f"Step {step} of")
        tmux.keys("Enter")
    tmux.wait_for("Step 3 of")
    tmux.keys("Enter")
    tmux.wait_for("on 3 host(s)?")
    tmux.keys("y")
    found: list[Path] = []

    def action_runs() -> bool:
        """Its intent is written before it is sent: the action runs once its process,
        tagged with the intent's token, is on the host (read at the intent, under load
        the console could be ended before it was sent, and web-1 never started)."""
        found[:] = list(journals.glob("*/journal.jsonl"))
        tokens = [
            e["data"]["token"]
            for e in (events_of(found[0]) if found else [])
            if e["kind"] == "command.intent" and e["data"]["stage"] == "action"
        ]
        return bool(tokens) and started(user, [f"rollback-attempt={t}" for t in tokens])

    _wait_for(action_runs, "web-1's action to run")
    return found[0]


def console_pid(tmux: Tmux) -> int:
    shell = tmux.run("display-message", "-p", "-t", "rc", "#{pane_pid}").strip()
    if b"console\0--config" in Path(f"/proc/{shell}/cmdline").read_bytes():
        return int(shell)  # exec'd: the pane's own process
    found = subprocess.run(
        ["pgrep", "-P", shell, "-f", "console --config"],
        capture_output=True, text=True, timeout=10, check=False,
    )  # fmt: skip
    (pid,) = found.stdout.split()
    return int(pid)


def ended(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def end_mid_step(config: Path, tmp_path: Path, how: str, user: str) -> Path:
    """Start the step in a terminal, then close the terminal (`hang up`) or send the
    console that signal (`SIGTERM`, `SIGHUP`) by hand; its journal once it has exited."""
    tmux = Tmux(tmp_path)
    try:
        journal = start_the_step(tmux, config, tmp_path / "j", how == "hang up", user)
        pid = console_pid(tmux)
        if how == "hang up":
            tmux.kill()  # the pty closes, as when an SSH session drops
        else:
            os.kill(pid, signal.Signals[how])
        _wait_for(lambda: ended(pid), "the console to exit")
        # Reaped too: its kept lock reads stale (resume takes it back) once it is gone.
        _wait_for(lambda: not Path(f"/proc/{pid}").exists(), "the console to be reaped")
        if how != "hang up":  # the terminal was there: left as it was, with one line
            screen = tmux.wait_for(f"EXITED {128 + signal.Signals[how]}")
            line = "".join(screen.splitlines())  # as the terminal wrapped it, at 80 columns
            assert line.startswith(f"ended by {how}: ") and "rollback-console resume" in line
            assert "Traceback" not in screen
    finally:
        tmux.kill()
    return journal


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("hang up", "terminal closed (SIGHUP)"),
        ("SIGTERM", "ended by SIGTERM"),
        ("SIGHUP", "ended by SIGHUP"),
    ],
)
def test_the_console_ended_from_outside_detaches_and_says_why(sshd_server, tmp_path, how, why):
    config, sandboxes = fleet(sshd_server, tmp_path)
    try:
        journal = end_mid_step(config, tmp_path, how, sshd_server.account.name)
        events = read_journal(journal).events
        (detached,) = [e for e in events if e.kind == Kind.RUN_DETACHED]
        assert detached.payload(RunDetached) == RunDetached(
            running=[STEP], hosts=["web-1"], reason=why
        )
        idle = {e.where.host: e.data.reason for e in events if e.kind == Kind.HOST_NOT_STARTED}
        assert idle == dict.fromkeys(["web-2", "web-3"], f"the console quit (detached: {why})")
        sent = {e.where.host for e in events if e.kind == Kind.COMMAND_INTENT}
        assert sent == {"web-1"}
        # web-1's change may still run: the locks are kept (as run keeps them), noted.
        assert not [e for e in events if e.kind == Kind.LOCK_RELEASED]
        assert events[-1].kind == Kind.NOTE_ADDED
        assert events[-1].data.text.startswith(f"the console quit ({why}) with outcome unknown")
        assert "its locks held (web)" in events[-1].data.text
        assert events[-2].kind == Kind.LOCK_KEPT and events[-2].data.reason == why
        # Said once: it read "the console ended, ended by SIGTERM".
        ended = f"the console {why}" if why.startswith("ended") else f"the console ended, {why}"
        assert describe(events[-2]) == (
            f"kept the locks on web (outcome unknown on web-1): {ended}"
        ), describe(events[-2])
        ended_stages = [e.data.stage for e in events if e.kind == Kind.COMMAND_RESULT]
        assert ended_stages == ["precheck"]  # web-1's action was left running
        assert not [e for e in events if e.kind == Kind.STEP_COMPLETED]
    finally:
        # web-1's action runs on without the console (the supervisor let go); the others
        # were sent nothing, so nothing of theirs starts when they are let go too.
        for host in HOSTS:
            (sandboxes[host] / "go").touch()
    _wait_for(lambda: (sandboxes["web-1"] / "started").exists(), "web-1's action to go on")
    assert not any((sandboxes[h] / "started").exists() for h in ("web-2", "web-3"))

    # Resumed in the console, the close dialog says web-1 is unknown and which key
    # verifies it first: a closed incident offers no V / R.
    async def close_dialog_says() -> str:
        engine = Engine.build(load_settings(config))
        app = make_app(
            engine.settings, engine, resume=journal, sample_probes=False, check_reach=False
        )
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await until(pilot, lambda: app.conductor is not None)
                await pilot.press("f7")
                await until(pilot, lambda: isinstance(app.screen, CloseDialog))
                said = str(app.screen.query_one(".dialog-text", Static).render())
                await pilot.press("escape")
                return said
        finally:
            await _let_go(app, engine)

    said = asyncio.run(close_dialog_says())
    assert said.startswith(
        "Outcome unknown on web-1: a change may still run there; v verifies it first"
        " (Esc). Closed now, the lock on web stays held"
    ), said

    # Resumed: web-1 reads unknown, and V settles it once its action has ended.
    async def resume_and_verify() -> dict[str, str]:
        engine = Engine.build(load_settings(config))
        conductor = engine.resume(journal)
        try:
            assert conductor.state.unknown_hosts == [(STEP, "web-1")]
            left = conductor.state.step(STEP).hosts["web-1"].detail
            assert (
                left == f"left running: the console quit (detached: {why}); verify before retrying"
            )
            # F3 says it above web-1's output, as the document does (its row: unknown).
            shown = why_text(conductor.state.step(STEP).hosts["web-1"])
            assert shown is not None and shown.plain == f"? {left}", shown
            return await verified_once_ended(conductor)
        finally:
            conductor.release_locks()
            conductor.recorder.close()
            await engine.close()

    assert asyncio.run(resume_and_verify()) == {"web-1": "verified: succeeded"}


def test_a_terminal_closed_with_nothing_running_says_so_as_the_locks_go(sshd_server, tmp_path):
    """An open incident, no step running, the terminal closes: nothing to detach; the
    locks are released saying why, and the console exits."""
    config, _ = fleet(sshd_server, tmp_path)
    tmux = Tmux(tmp_path)
    try:
        declare(tmux, config)
        tmux.wait_for("Step 1 of")
        pid = console_pid(tmux)
        tmux.kill()
        _wait_for(lambda: ended(pid), "the console to exit")
    finally:
        tmux.kill()
    (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
    events = read_journal(journal).events
    assert events[-1].kind == Kind.LOCK_RELEASED, [e.kind for e in events]
    assert events[-1].data.reason == "terminal closed (SIGHUP)"
    assert not [e for e in events if e.kind in (Kind.RUN_DETACHED, Kind.INCIDENT_CLOSED)]

    # Resumed in the console, it says how the console before it ended.
    (said,) = asyncio.run(resumed_notice(config, journal))
    assert said.startswith("Before this resume, rollback-console pid "), said
    assert " ended without closing it: terminal closed (SIGHUP); its last event was written" \
        " at " in said, said  # fmt: skip


def test_a_console_with_no_controlling_terminal_ends_when_its_terminal_goes(
    sshd_server, tmp_path
) -> None:
    """Walked: a teammate's console started with `su - USER -c` (util-linux su makes a
    session of its own: the console has no controlling terminal) whose tmux window was
    killed got no SIGHUP; its reads of the terminal ended with no error, and it ran on,
    reading them ten times a second, its journal and lock held as running for ever. It
    now finds its terminal gone and ends as when one hangs up."""
    config, _ = fleet(sshd_server, tmp_path)
    tmux = Tmux(tmp_path)
    console, pid = f"{sys.executable} -m console --config {config}", 0
    try:
        tmux.start(f"setsid -w {console}; echo EXITED $?; sleep 60")  # as su -c starts it
        tmux.declare()
        tmux.wait_for("Step 1 of")
        found = subprocess.run(
            ["pgrep", "-f", f"^{console}$"], capture_output=True, text=True, timeout=10
        )  # fmt: skip
        (pid,) = [int(p) for p in found.stdout.split()]
        assert Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[4] == "0"  # no tty
        tmux.kill()
        _wait_for(lambda: ended(pid), "the console to exit")
    finally:
        tmux.kill()
        if pid and not ended(pid):  # it ran on, its terminal gone: ended here
            os.kill(pid, signal.SIGKILL)
    (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
    events = read_journal(journal).events
    assert events[-1].kind == Kind.LOCK_RELEASED, [e.kind for e in events]
    assert events[-1].data.reason == "terminal closed (SIGHUP)"


async def resumed_notice(config: Path, journal: Path) -> list[str]:
    """What the console says as it resumes the incident (its "Resumed" notice), at 80x24."""
    engine = Engine.build(load_settings(config))
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: any(n.title == "Resumed" for n in app._notifications))
            return [n.message for n in app._notifications if n.title == "Resumed"]
    finally:
        await _let_go(app, engine)
