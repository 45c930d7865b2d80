"""A headless `run` whose terminal goes away (its SSH session dropped, its tmux killed:
SIGHUP) mid-step. It aborted, as on Ctrl+C: web-1's version rollback was stopped
halfway (TERM, then KILL), its link maybe switched and its restart owed. It now does
what the console's detach does, and more, since it needs no terminal to go on: what was
sent runs to its end, watched, each result journalled (web-1's action, then its verify,
which settles it), nothing new starts (web-2 and web-3, waiting their turn, are sent
nothing), the incident is left open to resume, `list` says why, and it exits 129. On a
real OpenSSH sshd, the run in a real terminal (tmux, 80x24); `exec` likewise."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from console.engine.listing import list_incidents
from console.journal.lock import SystemLocks
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.payloads import WaveFinished
from console.model.state import HostStatus, fold
from console.ui.checklist_todo import current_todo
from tests.cli_fleet import FLAG_PROCEDURE, Fleet, write_fleet
from tests.partition import Partition
from tests.test_remote_lifetime import SLEEPER, _pid, _wait_for, console
from tests.test_remote_lifetime import fleet as lifetime_fleet
from tests.test_terminal_closed import HOSTS, STEP, WAIT, console_pid, ended, events_of, fleet
from tests.test_trigger_auto_blind_sshd import TRIGGER
from tests.test_ui_terminal import Tmux

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]

WHY = "terminal closed (SIGHUP)"
# The shell the run was started from, which hands it the hangup (as bash sends its jobs
# theirs) and outlives it, keeping its exit status.
KEEPS_STATUS = (
    "import signal, subprocess, sys; p = subprocess.Popen(sys.argv[2:]);"
    " signal.signal(signal.SIGHUP, lambda *_: p.send_signal(signal.SIGHUP));"
    " open(sys.argv[1], 'w').write(str(p.wait()))"
)


def ended_129(process: subprocess.Popen) -> str:
    """What `process` (exec) said on stderr, once it has exited 129."""
    assert process.wait(timeout=60) == 129
    return process.stderr.read() if process.stderr else ""


def test_a_headless_run_whose_terminal_closes_finishes_what_it_sent(sshd_server, tmp_path):
    config, sandboxes = fleet(sshd_server, tmp_path)
    journals, status = tmp_path / "j", tmp_path / "status"
    run = (
        f"{sys.executable} -m console --config {config} run --systems web --strategy"
        " version-rollback --trigger user-impact --reason 'checkout errors' --yes"
    )
    tmux = Tmux(tmp_path)
    pid = 0
    try:
        tmux.start(f'exec {sys.executable} -c "{KEEPS_STATUS}" {status} {run}')
        found: list[Path] = []

        def action_sent() -> bool:
            found[:] = list(journals.glob("*/journal.jsonl"))
            return bool(found) and any(
                e["kind"] == "command.intent" and e["data"]["stage"] == "action"
                for e in events_of(found[0])
            )

        _wait_for(action_sent, "web-1's action to be sent")
        wrapper = console_pid(tmux)
        pid = int(
            subprocess.run(
                ["pgrep", "-P", str(wrapper)], capture_output=True, text=True, timeout=10
            ).stdout
        )
        tmux.kill()  # the pty closes, as when an SSH session drops

        def said() -> bool:  # or it ended: it aborted, web-1's action stopped halfway
            return ended(pid) or any(WHY in str(e["data"].get("text")) for e in events_of(found[0]))

        _wait_for(said, "the hang-up to be journalled")
        assert not ended(pid), "the run ended with web-1's action still running"
        (sandboxes["web-1"] / "go").touch()  # web-1's action goes on to its end
        _wait_for(lambda: ended(pid), "the run to exit")
    finally:
        tmux.kill()
        for host in HOSTS:
            (sandboxes[host] / "go").touch()
        if pid and not ended(pid):
            os.kill(pid, 9)
    _wait_for(status.exists, "the run's exit status")
    assert status.read_text() == "129"
    events = read_journal(found[0]).events
    assert not [e for e in events if e.kind in (Kind.RUN_ABORTED, Kind.INCIDENT_CLOSED)]
    # web-1's action ran to its end, then its verify, which settled it.
    web1 = [
        (e.data.stage, e.data.exit_status, bool(e.data.aborted))
        for e in events
        if e.kind == Kind.COMMAND_RESULT and e.where.host == "web-1"
    ]
    assert web1 == [("precheck", 0, False), ("action", 0, False), ("verify", 0, False)], web1
    assert {e.where.host for e in events if e.kind == Kind.COMMAND_INTENT} == {"web-1"}
    idle = {e.where.host: e.data.reason for e in events if e.kind == Kind.HOST_NOT_STARTED}
    assert idle == dict.fromkeys(["web-2", "web-3"], f"stopped before it began: {WHY}")
    (finished,) = [e for e in events if e.kind == Kind.WAVE_FINISHED]
    assert finished.payload(WaveFinished) == WaveFinished(
        wave=1, waves=1, succeeded=1, failed=0, not_started=2
    )
    state = fold(events)
    assert state.step(STEP).hosts["web-1"].status is HostStatus.SUCCEEDED
    assert not state.unknown_hosts and not state.closed
    # Resumed, the checklist says why they were not started (it read "Stopped between
    # waves": there was one wave).
    settings = load_settings(config)
    view = SimpleNamespace(settings=settings, state=state, running=frozenset())
    keys = {"go.execution": "F3", "execution.retry": "t"}
    said = current_todo(view, settings.procedure.step(STEP), keys.__getitem__)
    assert said == (
        f"Stopped ({WHY}), web-2, web-3 not started: F3 then t goes on with them (Enter runs"
        " every host)"
    ), said
    # Nothing left running: the locks go, saying why, and no step after it started.
    assert events[-1].kind == Kind.LOCK_RELEASED and events[-1].data.reason == WHY
    later = [e.where.step for e in events if e.kind == Kind.STEP_STARTED]
    assert later[-1] == STEP, later
    assert (sandboxes["web-1"] / "started").exists()
    assert not any((sandboxes[h] / "started").exists() for h in ("web-2", "web-3"))
    assert not list((tmp_path / "state").glob("crashes/*")), "an internal error"

    # `list` says how it ended, and that nothing drives it now.
    [listed] = list_incidents(journals, SystemLocks(tmp_path / "locks"))
    assert listed.ended is not None and listed.ended.startswith(f"rollback-console run pid {pid} ")
    assert f"ended without closing it: {WHY}; its last event" in listed.ended, listed.ended


def test_a_hangup_of_exec_lets_its_commands_end_and_says_so(sshd_server, tmp_path):
    """SIGHUP (its terminal closed; here a `kill -HUP`): exec aborted its commands, as on
    Ctrl+C. Nothing is cut off now: they run to their end (here: they succeed), each
    result journalled as it came; and exec exits 129, as run, undo and verify do, though
    every host went well (it exited 0: a closed terminal unsaid), its last line saying so."""
    config, sandboxes = lifetime_fleet(sshd_server, tmp_path, ["web-1", "web-2"])
    waits = f"sh -c 'echo $$ > sleeper.pid; {WAIT.rsplit(';', 1)[0]}'"
    exec_ = console(["exec", "--config", str(config), "--systems", "web", waits], tmp_path / "s")
    try:
        for host in ("web-1", "web-2"):
            _pid(sandboxes[host] / "sleeper.pid")
        (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
        exec_.send_signal(signal.SIGHUP)
        why = "ended by SIGHUP"  # its terminal there: a `kill -HUP`

        def noted() -> bool:
            return exec_.poll() is not None or why in journal.read_text()

        _wait_for(noted, "the hangup to be journalled")
        assert exec_.poll() is None, "exec ended with its commands running"
        for host in ("web-1", "web-2"):
            (sandboxes[host] / "go").touch()  # they end on their hosts, succeeding
        said = ended_129(exec_)
    finally:
        exec_.kill()
        exec_.wait(timeout=30)
    assert said.endswith(
        f"exec: succeeded on 2 host(s) ({why} as it ran: exit status 129); journal {journal}\n"
    ), said
    events = read_journal(journal).events
    assert not [e for e in events if e.kind == Kind.RUN_ABORTED]
    results = [e for e in events if e.kind == Kind.COMMAND_RESULT]
    assert sorted((e.where.host, e.data.exit_status) for e in results) == [
        ("web-1", 0),
        ("web-2", 0),
    ]
    assert events[-1].data.outcome == "completed"


def test_a_host_still_being_reached_at_the_hangup_is_sent_nothing(sshd_server, tmp_path):
    """web-2's route is slow: its connection opens after exec's hang-up. It was then sent
    the command, as if it had been under way; now nothing new starts there: web-2 is
    journalled not started, nothing sent, while web-1's command runs to its end."""
    with Partition(sshd_server.server.port, held=True) as slow:
        config, sandboxes = lifetime_fleet(
            sshd_server, tmp_path, ["web-1", "web-2"], ports={"web-2": slow.port}
        )
        argv = ["exec", "--config", str(config), "--systems", "web", SLEEPER]
        exec_ = console(argv, tmp_path / "state")
        try:
            pid = _pid(sandboxes["web-1"] / "sleeper.pid")
            _wait_for(lambda: slow.held, "web-2's connection to be under way")
            (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
            exec_.send_signal(signal.SIGHUP)
            _wait_for(lambda: "ended by SIGHUP" in journal.read_text(), "the hang-up's note")
            slow.release()  # web-2's connection opens now
            sleeper = sandboxes["web-2"] / "sleeper.pid"

            def settled() -> bool:
                return sleeper.exists() or "host.not_started" in journal.read_text()

            _wait_for(settled, "web-2 to be sent its command, or journalled not started")
            os.kill(pid, signal.SIGTERM)  # web-1's command ends
            assert not sleeper.exists(), "web-2 was sent its command after the hang-up"
            said = ended_129(exec_)
        finally:
            exec_.kill()
            exec_.wait(timeout=30)
    assert said.endswith(
        "exec: STOPPED: ad-hoc command on 2 host(s) stopped (ended by SIGHUP), not started on"
        f" web-2; ad-hoc command failed on 1 host(s); journal {journal}\n"
    ), said
    events = read_journal(journal).events
    idle = {e.where.host: e.data.reason for e in events if e.kind == Kind.HOST_NOT_STARTED}
    assert idle == {
        "web-2": "stopped before it began: ended by SIGHUP while its host was being reached:"
        " nothing sent"
    }, idle


AUTO = ("run", "--systems", "app", "--strategy", "release", "--trigger", "auto", "--yes")


def probed_fleet(sshd_server, tmp_path: Path) -> Fleet:
    """app's hosts, an automatic trigger whose probe reads them a minute apart, healthy;
    each read leaves `probed` in the host's directory."""
    probe = {"name": "rate", "kind": "command", "command": ": > probed; echo 0.01"}
    files = {
        "strategies.toml": {"strategies": [{"name": "release", "kind": "version-rollback"}]},
        "procedure.toml": FLAG_PROCEDURE,
        "triggers.toml": {"triggers": [TRIGGER | {"consecutive": 3}]},
    }
    probes = [probe | {"threshold": 0.05, "interval": 60}]  # it waits a minute between rounds
    return write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=probes)


def test_a_hangup_while_run_waits_for_its_trigger_lets_go_of_the_lock(sshd_server, tmp_path):
    """`run --trigger auto` reads the probes before any incident exists. Its terminal
    closed then: SIGHUP killed it there, the lock on app left stale for the next run. It
    now ends at once, its lock released, saying so (on stderr: there is no journal yet),
    and exits 129."""
    fleet = probed_fleet(sshd_server, tmp_path)
    status, err = tmp_path / "status", tmp_path / "stderr"
    run = f"{sys.executable} -m console --config {fleet.config} {' '.join(AUTO)} 2>{err}"
    tmux = Tmux(tmp_path)
    try:
        tmux.start(f'exec {sys.executable} -c "{KEEPS_STATUS}" {status} {run}')
        _wait_for(lambda: (fleet.sandboxes["app-1"] / "probed").exists(), "a probe round")
        assert SystemLocks(tmp_path / "state" / "locks").held()
        tmux.kill()  # the pty closes, as when an SSH session drops
        _wait_for(lambda: status.exists() and status.read_text(), "the run's exit status")
    finally:
        tmux.kill()
    assert status.read_text() == "129"
    assert err.read_text() == (
        f"run: {WHY} while it waited for an automatic trigger on app: no incident was opened,"
        " nothing was sent; its lock on app released\n"
    )
    assert not SystemLocks(tmp_path / "state" / "locks").held()
    assert not list((tmp_path / "state").glob("*/journal.jsonl"))


def test_a_term_while_run_waits_for_its_trigger_lets_go_of_the_lock(sshd_server, tmp_path):
    """So does a `kill -TERM` there (a job stopped): it killed the run, the lock left
    stale; it now ends as interrupted, exit 1."""
    fleet = probed_fleet(sshd_server, tmp_path)
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)}
    argv = [sys.executable, "-m", "console", *AUTO, "--config", str(fleet.config)]
    run = subprocess.Popen(
        argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env
    )
    try:
        _wait_for((fleet.sandboxes["app-1"] / "probed").exists, "a probe round")
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=60) == 1
        said = run.stderr.read() if run.stderr else ""
    finally:
        run.kill()
        run.wait(timeout=30)
    assert said == (
        "run: interrupted by SIGTERM while it waited for an automatic trigger on app: no"
        " incident was opened, nothing was sent; its lock on app released\n"
    ), said
    assert not SystemLocks(fleet.state / "locks").held()
