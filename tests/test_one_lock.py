"""One lock for every console: two consoles (Pilot) and a headless run on one system, in
every order. Whoever takes `web` first holds it; the others are refused by name, the
headless run with exit status 3 and no incident left behind; a resumed incident holds
its systems again as it opens, and a live holder is never taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from textual.widgets import Label

from console.engine.session import Engine
from console.journal.lock import SystemLocks
from console.journal.store import read_journal
from console.model.events import Kind
from console.ui.app import RollbackApp, make_app
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.picker import PickerScreen
from tests.test_ui_support import declare_and_pick, demo_settings, until

RUN = [
    "run", "--demo", "--systems", "web", "--strategy", "version-rollback",
    "--trigger", "stakeholder-decision", "--reason", "one lock", "--yes", "--quiet",
]  # fmt: skip


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One jump host: the consoles here and the headless runs share this state dir."""
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path / "state"))
    return tmp_path / "state"


def _env(state: Path) -> dict[str, str]:
    return {**os.environ, "ROLLBACK_CONSOLE_STATE": str(state), "TMPDIR": str(state.parent)}


def headless(state: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", *RUN, *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(state),
    )


def hanging_run(state: Path) -> subprocess.Popen:
    """A headless run that holds `web` while web-1 hangs (its command sent, written
    ahead), until it is stopped."""
    process = subprocess.Popen(
        [sys.executable, "-m", "console", *RUN, "--inject", "hang:web-1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(state),
    )
    locks = SystemLocks(state / "demo-locks")
    deadline = time.monotonic() + 60
    while not _hanging(state) or (holder := locks.holder("web")) is None:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the headless run never got to web-1"
        time.sleep(0.05)
    assert holder.pid == process.pid
    return process


def _hanging(state: Path) -> bool:
    journals = list(state.glob("demo-incidents/*/journal.jsonl"))
    return bool(journals) and b'"command.intent"' in journals[0].read_bytes()


def incidents(state: Path) -> list[str]:
    root = state / "demo-incidents"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def console() -> RollbackApp:
    """A console built as the command line builds it (Engine.build), on the demo's config."""
    settings = demo_settings()
    engine = Engine.build(settings, demo=True, threaded_io=True)
    return make_app(settings, engine, sample_probes=False, check_reach=False)


async def take_web(app: RollbackApp, pilot) -> str:
    """Declare an incident and pick `web`: "" when it holds web, else the refusal shown."""
    if not isinstance(app.screen, PickerScreen):
        await declare_and_pick(pilot, "checkout errors")
        await pilot.press("space")
    error = app.screen.query_one("#picker-error", Label)
    error.update("")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ChecklistScreen) or bool(str(error.render())))
    if isinstance(app.screen, ChecklistScreen):
        assert app.conductor.state.systems == ["web"]
        return ""
    # The locks are claimed before the incident is recorded: a refusal records nothing.
    assert app.conductor is None, "a refused pick opens no incident"
    return str(error.render())


def holder_incident(state: Path) -> str:
    holder = SystemLocks(state / "demo-locks").holder("web")
    assert holder is not None
    return holder.incident


@pytest.mark.parametrize("first", ["console A", "console B", "headless"])
async def test_two_consoles_and_a_headless_run_on_one_system(state: Path, first: str) -> None:
    apps = {"console A": console(), "console B": console()}
    async with AsyncExitStack() as stack:
        pilots = {
            name: await stack.enter_async_context(app.run_test(size=(80, 24)))
            for name, app in apps.items()
        }
        run = hanging_run(state) if first == "headless" else None
        try:
            if run is None:
                assert await take_web(apps[first], pilots[first]) == ""
            owner = holder_incident(state)
            for name, app in apps.items():
                if name == first:
                    continue
                refusal = await take_web(app, pilots[name])
                assert f"system 'web' is locked: incident {owner}" in refusal, refusal
            if run is None:
                before = incidents(state)
                refused = headless(state, "--take-over-lock", "I want it")
                assert refused.returncode == 3, refused.stderr
                assert refused.stderr.startswith(
                    f"refused: system 'web' is locked: incident {owner}"
                )
                assert len(refused.stderr.splitlines()) == 1
                assert incidents(state) == before, "a refused run creates no incident"
        finally:
            if run is not None:
                run.send_signal(signal.SIGTERM)  # aborted, and its lock given back
                run.wait(timeout=60)
        # The holder lets go (the headless run stopped, or a console closes its engine):
        # the next console in line takes web.
        if run is None:
            await apps[first].engine.close()
        nxt = next(name for name in apps if name != first)
        assert await take_web(apps[nxt], pilots[nxt]) == ""
        assert holder_incident(state) == apps[nxt].conductor.state.incident_id
    for app in apps.values():
        await app.engine.close()
    assert SystemLocks(state / "demo-locks").holder("web") is None, "closing gives it back"


async def test_resume_holds_the_lock_as_it_opens_and_a_live_holder_is_never_taken_over(
    state: Path,
) -> None:
    crashed = hanging_run(state)
    crashed.send_signal(signal.SIGKILL)  # its lock is left behind, stale
    crashed.wait(timeout=30)
    (journal,) = state.glob("demo-incidents/*/journal.jsonl")
    stale = headless(state)
    assert stale.returncode == 3 and "stale lock" in stale.stderr, stale.stderr

    settings = demo_settings()
    engine = Engine.build(settings, demo=True, threaded_io=True)
    resumed = engine.resume(journal)  # its own incident's dead console: taken back at once
    try:
        incident = resumed.state.incident_id
        assert holder_incident(state) == incident
        taken = [e for e in resumed.recorder.events if e.kind == Kind.LOCK_TAKEN_OVER]
        assert "taken back: its process (pid" in taken[-1].data.reason
        app = make_app(settings, engine, resume=resumed, sample_probes=False, check_reach=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            assert app.conductor is resumed
            # While the resumed console lives, nothing takes web: not a run asking to take
            # over, not a second resume (which starts no console).
            before = journal.read_bytes()
            taken_over = headless(state, "--take-over-lock", "it looks stale to me")
            assert taken_over.returncode == 3, taken_over.stderr
            assert f"system 'web' is locked: incident {incident}" in taken_over.stderr
            again = subprocess.run(
                [sys.executable, "-m", "console", "resume", str(journal)],
                capture_output=True,
                text=True,
                timeout=60,
                env=_env(state),
            )
            assert again.returncode == 2, again.stderr  # its writer named, and what to do
            assert f"incident {incident}'s journal is being written by" in again.stderr
            assert "rollback-console follow" in again.stderr and "Traceback" not in again.stderr
            assert journal.read_bytes() == before, "a refused resume writes nothing"
    finally:
        await engine.close()
    events = read_journal(journal).events
    assert events[-1].kind == Kind.LOCK_RELEASED
