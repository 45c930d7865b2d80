"""Quitting the console while a step runs, on a real OpenSSH sshd: the commander aborts
it (a reason is asked and journalled; its remote processes are stopped) or detaches (the
commands run on to their end without the console; their hosts read unknown when the
incident is resumed). Nothing is stopped, or left running, silently."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.engine.session import Engine
from console.engine.supervisor import DETACHED_WATCHER
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.payloads import RunDetached
from console.model.state import HostStatus, fold
from console.ui.app import RollbackApp, make_app
from console.ui.screens.dialogs import ConfirmDialog, TextPrompt
from console.ui.screens.quit import QuitDialog
from tests.fleet_settings import sshd_settings, write_config
from tests.test_remote_lifetime import WAIT, Attempt, _wait_for, account_processes, started
from tests.test_ui_support import (
    open_incident,
    start_evidence_step,
    type_text,
    until,
    until_quit,
)

pytestmark = pytest.mark.sshd

STEP = "capture-evidence"
HOSTS = ["web-1", "web-2"]
# The step waits, printing nothing, until the test lets it go; then it leaves its mark.
WAITING = (
    "i=0; while [ ! -e go ] && [ $i -lt 1500 ]; do sleep 0.2; i=$((i+1)); done; date > finished"
)


def fleet(
    sshd_server, tmp_path: Path, hosts: list[str] = HOSTS, **ssh
) -> tuple[Path, dict[str, Path]]:
    """A configuration written as the README says, whose evidence step waits."""
    settings, sandboxes = sshd_settings(sshd_server, dict.fromkeys(hosts, "web"), **ssh)
    config = write_config(
        tmp_path / "config", settings, lock_dir=tmp_path / "locks", journal_dir=tmp_path / "j"
    )
    procedure = config / "procedure.toml"
    text = procedure.read_text()
    old = """command = 'echo "release $(basename "$(readlink current)")"; cat service/metrics'"""
    assert old in text
    procedure.write_text(text.replace(old, f"command = '{WAITING}'"))
    return config, sandboxes


@contextlib.asynccontextmanager
async def step_running(
    sshd_server, config: Path, running: list[str] = HOSTS
) -> AsyncIterator[tuple[RollbackApp, Pilot]]:
    """The console at 80x24: an incident opened, the waiting step started, running on
    `running` (their commands' processes seen on the hosts); closed as the command line
    closes it."""
    async with console_at_80x24(config) as (app, pilot):
        await open_incident(pilot)
        await start_evidence_step(pilot)
        hosts = app.conductor.state.step(STEP).hosts
        await until(
            pilot,
            lambda: {h for h, r in hosts.items() if r.status is HostStatus.RUNNING} == set(running),
            WAIT,
        )
        # Running is said at the intent, written before the command is sent: wait
        # (bounded) for each command's process on its host, so the attempt names
        # them all (under load its `ps` ran before sshd had started them).
        user = sshd_server.account.name
        tokens = [f"rollback-attempt={hosts[h].token}" for h in running]
        await until(pilot, lambda: started(user, tokens), WAIT)
        yield app, pilot


@contextlib.asynccontextmanager
async def console_at_80x24(config: Path) -> AsyncIterator[tuple[RollbackApp, Pilot]]:
    """The console on `config` at 80x24, its probes and reach checks off; closed as the
    command line closes it."""
    settings = load_settings(config)
    engine = Engine.build(settings, threaded_io=True)
    app = make_app(settings, engine, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            yield app, pilot
    finally:
        if app.conductor is not None:  # as the command line closes the console
            app.conductor.release_locks()
            app.conductor.recorder.close()
        await engine.close()


def quit_mid_step(
    sshd_server,
    config: Path,
    choose: Callable[[Pilot], Awaitable[None]],
    running: list[str] = HOSTS,
) -> tuple[Path, Attempt]:
    """In the console: open an incident, start the waiting step, once it runs on
    `running` press ctrl+q and answer with `choose`; the console must quit (status 0: the
    commander chose to). Its journal and the remote processes it had started."""

    async def scenario() -> tuple[Path, Attempt]:
        async with step_running(sshd_server, config, running) as (app, pilot):
            attempt = Attempt(sshd_server.account.name, app.conductor.recorder.path, [])
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, QuitDialog))
            await choose(pilot)
            await until_quit(app, WAIT)
            assert app.return_value == 0  # the commander chose to quit
        return app.conductor.recorder.path, attempt

    return asyncio.run(scenario())


def test_quit_aborts_the_running_step_with_a_reason(sshd_server, tmp_path):
    config, sandboxes = fleet(sshd_server, tmp_path)

    async def abort(pilot: Pilot) -> None:
        await pilot.press("a")
        await until(pilot, lambda: isinstance(pilot.app.screen, TextPrompt))
        await type_text(pilot, "wrong fleet")
        await pilot.press("enter")

    journal, attempt = quit_mid_step(sshd_server, config, abort)
    events = read_journal(journal).events
    (aborted,) = [e for e in events if e.kind == Kind.RUN_ABORTED]
    assert aborted.data.reason == "wrong fleet" and aborted.data.running == [STEP]
    results = {e.where.host: e.data.dump() for e in events if e.kind == Kind.COMMAND_RESULT}
    assert set(results) == set(HOSTS)
    assert all(r["detail"] == "aborted: wrong fleet" for r in results.values()), results
    assert [e.data.status for e in events if e.kind == Kind.STEP_COMPLETED] == ["failed"]
    assert not attempt.survivors(), "the abort stopped them before the console quit"
    assert not any((sandboxes[h] / "finished").exists() for h in HOSTS)


def test_quit_detaches_and_the_commands_run_on_to_their_end(sshd_server, tmp_path):
    config, sandboxes = fleet(sshd_server, tmp_path)

    async def detach(pilot: Pilot) -> None:
        await pilot.press("d")

    journal, attempt = quit_mid_step(sshd_server, config, detach)
    events = read_journal(journal).events
    (detached,) = [e for e in events if e.kind == Kind.RUN_DETACHED]
    assert detached.payload(RunDetached) == RunDetached(running=[STEP], hosts=HOSTS)
    assert not [e for e in events if e.kind in (Kind.COMMAND_RESULT, Kind.STEP_COMPLETED)]

    # The console and its sessions are gone; each supervisor let go (its watcher is a
    # sleep now), so the commands still wait on their hosts, and end when let go.
    def let_go() -> bool:
        left = [a for _, g, a in account_processes(attempt.user) if g in attempt.groups]
        return sum(a == DETACHED_WATCHER for a in left) == len(HOSTS)

    _wait_for(let_go, "each supervisor to let go")
    assert not any((sandboxes[h] / "finished").exists() for h in HOSTS)
    for host in HOSTS:
        (sandboxes[host] / "go").touch()
    _wait_for(lambda: all((sandboxes[h] / "finished").exists() for h in HOSTS), "the ends")
    _wait_for(lambda: not attempt.survivors(), "nothing of them to be left")

    # Resumed, both hosts read unknown, to be verified.
    engine = Engine.build(load_settings(config))
    try:
        resumed = engine.resume(journal)
        assert resumed.state.unknown_hosts == [(STEP, h) for h in HOSTS]
    finally:
        asyncio.run(engine.close())


def test_a_detach_records_every_host_that_was_not_started_before_the_console_quits(
    sshd_server, tmp_path
):
    """Seen on a real sshd with a step over more hosts than run at once: D (detach) quit
    the console as soon as the detach was journalled, so the hosts still waiting for
    their turn were never said to be not started (their step's worker died with the
    app). Every host is accounted for before the console exits: the one running is
    detached (unknown until verified), the others not started, in the journal and in
    the export."""
    import subprocess
    import sys

    hosts = ["web-1", "web-2", "web-3"]
    config, sandboxes = fleet(sshd_server, tmp_path, hosts, max_commands=1)
    said = []

    async def detach(pilot: Pilot) -> None:
        said.extend(str(s.render()) for s in pilot.app.screen.query(".dialog-text"))
        await pilot.press("d")

    journal, attempt = quit_mid_step(sshd_server, config, detach, running=["web-1"])
    try:
        assert (
            " runs on web-1. Not started yet: web-2, web-3 (none starts once you quit)."
            in (said[0])
        ), said
        events = read_journal(journal).events
        (detached,) = [e for e in events if e.kind == Kind.RUN_DETACHED]
        assert detached.payload(RunDetached) == RunDetached(running=[STEP], hosts=["web-1"])
        idle = [e for e in events if e.kind == Kind.HOST_NOT_STARTED]
        assert sorted(e.where.host for e in idle) == ["web-2", "web-3"], [
            (e.kind, e.where.host) for e in events
        ]
        assert all(e.seq > detached.seq and "detached" in e.data.reason for e in idle)
        intents = [e.where.host for e in events if e.kind == Kind.COMMAND_INTENT]
        assert intents == ["web-1"]
        said = {h: r.detail for h, r in fold(events).step(STEP).hosts.items()}
        assert said == {
            # a command step: no verify to run there
            "web-1": "left running: the console quit (detached); check by hand before retrying",
            "web-2": "the console quit (detached)",
            "web-3": "the console quit (detached)",
        }, said
        done = subprocess.run(
            [sys.executable, "-m", "console", "export", str(journal.parent)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        rows = [line for line in done.stdout.splitlines() if line.startswith("| web-")]
        assert rows[0].startswith("| web-1 | ? unknown | left running: the console quit"), rows
        for row in rows[1:]:
            assert "| ○ not started | the console quit (detached) |" in row, rows
    finally:
        (sandboxes["web-1"] / "go").touch()
        _wait_for(lambda: not attempt.survivors(), "nothing of web-1's command to be left")


def test_a_step_that_ends_under_the_quit_dialog_is_no_longer_offered_for_abort(
    sshd_server, tmp_path
):
    """Walked by helper-135: the step ended while the quit dialog was open; the dialog
    still offered to abort it, and A went on to 'Abort incident' (the whole incident,
    closed as aborted), which nobody had asked for. The dialog now gives way to the quit
    question as it stands, saying that the step ended; nothing is aborted."""
    config, sandboxes = fleet(sshd_server, tmp_path)

    async def scenario() -> tuple[str, list]:
        async with step_running(sshd_server, config) as (app, pilot):
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, QuitDialog))
            for host in HOSTS:
                (sandboxes[host] / "go").touch()
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), WAIT)
            asked = " ".join(str(s.render()) for s in app.screen.query(".dialog-text"))
            await pilot.press("a")  # the A meant for the dialog that was: nothing
            await pilot.press("escape")  # stay
            await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
            return asked, read_journal(app.conductor.recorder.path).events

    asked, events = asyncio.run(scenario())
    assert asked.startswith("“Capture the failing release and its metrics” ended.\n\n"), asked
    assert " stays open: resume it from the home screen" in asked, asked
    assert not [e for e in events if e.kind in (Kind.RUN_ABORTED, Kind.INCIDENT_CLOSED)]
