"""Resume a half-done incident: position, notes and stars come back; unknown hosts are
verified, or retried alone once the commander has seen whether their earlier attempt runs."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.demo.fleet import DemoFleet
from console.engine.attempts import AttemptCheck
from console.engine.session import Engine
from console.engine.supervisor import find_command, supervised
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.state import HostStatus, StepStatus
from console.ui.app import RollbackApp, make_app
from console.ui.screens.attempts import AttemptsDialog
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from console.ui.widgets.mode_banner import ModeBanner
from tests.test_ui_support import (  # noqa: F401
    START,
    _close_engines,
    _no_cursor_blink,
    build_engine,
    demo_settings,
    populated,
    until,
)

SIZES = {"80x24": (80, 24), "120x36": (120, 36)}


def half_done(root: Path) -> tuple[Path, int, list[str]]:
    """A journal stopped inside `restore`: web-3's intent has no result. Its path, star, notes."""
    _engine, conductor = populated(demo_settings(), root)
    conductor.recorder.close()
    state = conductor.state
    (star,) = state.stars
    return conductor.recorder.path, star, [text for _, text in state.notes]


def checklist_shown(app: RollbackApp) -> bool:
    """The checklist is the screen and mounted (its steps have the focus): the journal
    loads in a thread, so the screen comes some time after the app starts."""
    focused = app.focused
    return isinstance(app.screen, ChecklistScreen) and focused is not None and focused.id == "steps"


def resumed_app(engine: Engine, journal: Path) -> RollbackApp:
    screen_clock = FixedClock(START + timedelta(minutes=12, seconds=34), tick=timedelta(0))
    return make_app(
        engine.settings,
        engine,
        screen_clock,
        resume=journal,
        sample_probes=False,
        check_reach=False,
    )


def banner_text(app: RollbackApp) -> str:
    banner = app.screen.query_one(ModeBanner)
    return str(banner.render()) if banner.display else ""


async def test_resume_restores_then_asks_before_it_retries_only_the_unknown_host(
    tmp_path: Path,
) -> None:
    root = tmp_path / "incidents"
    journal, star, notes = half_done(root)
    async with DemoFleet(demo_settings()) as fleet:
        engine = build_engine(fleet.settings, root)
        app = resumed_app(engine, journal)
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: checklist_shown(app))
            await pilot.pause(0.1)
            conductor = app.conductor
            state = conductor.state
            # Position, notes and stars come back from the fold.
            assert conductor.current().id == "restore"
            steps = app.screen.query_one("#steps")
            assert steps.get_option_at_index(steps.highlighted).id == "restore"
            assert [text for _, text in state.notes] == notes
            assert state.stars == {star}
            # web-3 had an intent and no outcome: unknown, on the banner and the detail.
            assert state.unknown_hosts == [("restore", "web-3")]
            assert state.step("restore").hosts["web-2"].status is HostStatus.FAILED
            shown = banner_text(app)
            assert "? UNKNOWN  web-3 · verify before retrying" in shown
            detail = str(app.screen.query_one("#step-detail").render())
            assert "unknown: verify before retrying: web-3" in detail
            # What Enter does says it waits for them (it is refused until then).
            todo = str(app.screen.query_one("#where-todo").render())
            assert todo == "Unknown on web-3: v verifies it, r retries only it, then Enter."
            await pilot.press("f3")
            grid = app.screen.query_one("#grid")
            assert "unknown" in str(grid.get_cell("web-3", "Status"))
            assert "verify before retrying" in str(grid.get_cell("web-3", "Last line"))

            seen = len(conductor.recorder.events)
            # R first asks web-3 about its earlier attempt: this journal's intents carry
            # no token (an older console), so the host cannot tell; the commander sees
            # it and decides.
            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, AttemptsDialog))
            shown = str(app.screen.query_one("#attempts-report Static").render())
            assert "web-3 in restore: could not tell" in shown
            await pilot.press("escape")  # not now: nothing was sent, web-3 stays unknown
            await until(pilot, lambda: not isinstance(app.screen, AttemptsDialog))
            assert state.unknown_hosts == [("restore", "web-3")]
            assert not [
                e for e in conductor.recorder.events[seen:] if e.kind == Kind.COMMAND_INTENT
            ]

            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, AttemptsDialog))
            await pilot.press("a")  # retry anyway: the interrupted step on web-3 alone
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, RunConfirm) and bool(app.screen.query(".dialog-title"))
                ),
            )
            assert "on 1 host(s): 1 unknown?" in str(app.screen.query_one(".dialog-title").render())
            await pilot.press("y")
            restore = state.step("restore").hosts
            await until(pilot, lambda: restore["web-3"].attempt == 2 and not conductor.running)
            assert restore["web-3"].status is HostStatus.SUCCEEDED
            assert state.unknown_hosts == []
            await until(pilot, lambda: banner_text(app) == "")

            new = conductor.recorder.events[seen:]
            checked = [e for e in new if e.kind == Kind.ATTEMPT_CHECKED]
            assert [(e.where.host, e.data.running) for e in checked] == [("web-3", None)] * 2
            noted = [e.data.text for e in new if e.kind == Kind.NOTE_ADDED]
            assert noted == [
                "retried beside the earlier attempt, not stopped or not checked on web-3"
            ]
            intents = [e for e in new if e.kind == Kind.COMMAND_INTENT]
            assert {(e.where.step, e.where.host) for e in intents} == {("restore", "web-3")}
            assert all(e.data.attempt == 2 and e.data.token for e in intents)
            started = [e for e in new if e.kind == Kind.STEP_STARTED]
            assert [(e.where.step, e.data.hosts) for e in started] == [("restore", ["web-3"])]
        await engine.close()


def test_home_lists_the_open_incident_and_resumes_it(tmp_path: Path) -> None:
    """Resume from Home takes the same path: the incident reopens with web-3 unknown."""
    import asyncio

    async def run() -> None:
        root = tmp_path / "incidents"
        half_done(root)
        engine = build_engine(demo_settings(), root)
        app = resumed_app(engine, None)  # type: ignore[arg-type]
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.1)
            table = app.screen.query_one("#incidents")
            assert table.row_count == 1
            assert "open" in str(table.get_row_at(0)[2])
            await pilot.press("r")
            await until(pilot, lambda: checklist_shown(app))
            assert app.conductor.state.unknown_hosts == [("restore", "web-3")]
            assert "web-3" in banner_text(app)
        await engine.close()

    asyncio.run(run())


@pytest.mark.parametrize("size", SIZES)
def test_resume_banner_snapshot(snap_compare, tmp_path: Path, monkeypatch, size: str) -> None:
    monkeypatch.chdir(tmp_path)
    root = Path("incidents")
    journal, _, _ = half_done(root)
    app = resumed_app(build_engine(demo_settings(), root), journal)
    app.NOTIFICATION_TIMEOUT = 3600  # the toast is in the picture however slow the machine

    async def settle(pilot: Pilot) -> None:
        await until(pilot, lambda: checklist_shown(pilot.app))
        # The "Resumed" toast is part of the picture; it arrives as a message.
        await until(pilot, lambda: len(pilot.app._notifications) > 0)
        await pilot.pause(0.1)

    assert snap_compare(app, run_before=settle, terminal_size=SIZES[size])


# What `ps` shows of an earlier attempt of `sh bin/restart` still running on a host: the
# supervisor's shell (the login shell, /bin/sh, evaluating it), its watcher (a fork of it),
# then the command and what it started. From the supervisor itself, never written out by
# hand: the listing kept the supervisor of an earlier day (a second wrapper after the
# command, `trap 'trap - TERM INT HUP; kill -TERM 0'`), which no host shows any more.
TOKEN = "4f1c0de5a7b2"
WRAPPER = "/bin/sh -c " + supervised("sh bin/restart", TOKEN).replace("\n", " ")
LISTED = [WRAPPER, WRAPPER, "sh bin/restart", "sleep 60"]
PIDS = [812, 813, 815, 816]


def test_the_attempt_listed_is_what_ps_shows_of_the_supervisor(tmp_path: Path) -> None:
    """The listing of the dialog's snapshot is what a host's `ps` gives (the console's own
    find command, a real /bin/sh and ps) of the supervised command, but pids and times."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "restart").write_text("sleep 60\n")
    env = {"SHELL": "/bin/sh", "PATH": os.environ["PATH"]}
    script = supervised("sh bin/restart", TOKEN)
    shell = subprocess.Popen(  # a session of its own, as sshd gives it
        ["/bin/sh", "-c", script], cwd=tmp_path, env=env, stdin=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(300):  # bounded: 30 s
            found = subprocess.run(  # no COLUMNS: ps cuts the arguments at it
                ["/bin/sh", "-c", find_command(TOKEN)], env=env, capture_output=True, text=True,
                timeout=30,
            ).stdout.splitlines()  # fmt: skip
            listed = [line.split(None, 3)[3] for line in found]
            if "sleep 60" in listed:
                break
            time.sleep(0.1)
    finally:
        os.killpg(shell.pid, signal.SIGTERM)
        shell.communicate(timeout=30)
    assert sorted(listed) == sorted(LISTED), listed


def test_earlier_attempt_dialog_snapshot(snap_compare, tmp_path: Path, monkeypatch) -> None:
    """What R shows when an earlier attempt still runs: each host's processes, the
    command's own first, and the three choices, at 80x24."""
    monkeypatch.chdir(tmp_path)
    root = Path("incidents")
    journal, _, _ = half_done(root)
    app = resumed_app(build_engine(demo_settings(), root), journal)
    app.NOTIFICATION_TIMEOUT = 3600  # the toast cannot expire before it is waited for
    checks = [
        AttemptCheck(
            "restore",
            "web-3",
            TOKEN,
            True,
            [f"  {pid}   812       01:12 {args}" for pid, args in zip(PIDS, LISTED, strict=True)],
        ),
        AttemptCheck("restore", "web-2", None, None, [], "connection refused"),
    ]

    async def dialog(pilot: Pilot) -> None:
        await until(pilot, lambda: checklist_shown(pilot.app))
        # The resume toast arrives as a message; it has long gone when R is pressed.
        await until(pilot, lambda: len(pilot.app._notifications) > 0)
        pilot.app.clear_notifications()
        pilot.app.push_screen(AttemptsDialog(checks))
        await until(pilot, lambda: isinstance(pilot.app.screen, AttemptsDialog))
        await pilot.pause(0.1)

    assert snap_compare(app, run_before=dialog, terminal_size=(80, 24))


async def test_a_long_journal_loads_behind_a_progress_bar_and_the_console_keeps_answering(
    tmp_path: Path,
) -> None:
    """Resume reads and folds the journal in a thread: meanwhile a progress bar says how far
    it is and the console answers; then the incident opens where it stopped."""
    import threading

    from textual.widgets import ProgressBar

    from console.journal.store import PROGRESS_EVERY
    from console.ui.screens.loading import LoadingScreen

    journal, _star, _notes = half_done(tmp_path / "incidents")
    engine = build_engine(demo_settings(), tmp_path / "incidents")
    conductor = engine.open_existing(journal)
    # long enough to report progress on the way, and after the hold: each note is an
    # fsync'd write (1.3 to 3.6 ms on a shared disk), 3 * PROGRESS_EVERY took up to 21 s
    for n in range(2 * PROGRESS_EVERY):
        conductor.note(f"note {n}")
    conductor.recorder.close()
    gate, seen = threading.Event(), []
    read = engine.read

    def gated_read(path, progress=None):
        def report(done: int, total: int) -> None:
            seen.append((done, total))
            progress(done, total)
            if len(seen) == 1:
                gate.wait(timeout=60)  # hold the load half-way while the test looks

        return read(path, report)

    engine.read = gated_read  # type: ignore[method-assign]
    app = resumed_app(engine, journal)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(seen))
        await pilot.pause(0.1)
        assert isinstance(app.screen, LoadingScreen)
        bar = app.screen.query_one(ProgressBar)
        assert 0 < bar.progress < bar.total
        await pilot.press("f1")  # the console answers while the journal loads
        await pilot.pause(0.1)
        gate.set()
        await until(pilot, lambda: checklist_shown(app))
        assert (
            app.conductor is not None
            and app.conductor.state.notes[-1][1] == f"note {2 * PROGRESS_EVERY - 1}"
        )
    dones = [done for done, _ in seen]
    assert dones == sorted(dones) and seen[-1][0] == seen[-1][1] > 0
    assert len(seen) > 2, seen  # reported after the hold too, before the last


def test_resume_on_the_command_line_says_how_far_it_has_read(tmp_path: Path, monkeypatch) -> None:
    """`rollback-console resume` reads the journal before the console draws (its locks are
    claimed, or refused, first): a terminal is told how far the reading is, the line is
    cleared after, and the loaded events are parked out of the collector's way."""
    import asyncio
    import gc
    import io
    import sys

    from console.cli import launch
    from console.journal.store import PROGRESS_EVERY

    journal, _star, _notes = half_done(tmp_path / "incidents")
    engine = build_engine(demo_settings(), tmp_path / "incidents")
    conductor = engine.open_existing(journal)
    for n in range(2 * PROGRESS_EVERY):
        conductor.note(f"note {n}")
    conductor.recorder.close()

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("COLUMNS", "60")  # narrower than the line with the whole path
    gc.unfreeze()
    try:
        loaded = launch._read(engine, journal)
        assert gc.isenabled() and gc.get_freeze_count() > len(loaded.events)
    finally:
        gc.unfreeze()
        asyncio.run(engine.close())
    assert loaded.state.notes[-1][1] == f"note {2 * PROGRESS_EVERY - 1}"
    shown = terminal.getvalue()
    # One line, the path's end kept: wrapped, "\r" and the clearing went back to its last
    # row, and "reading /tmp/.../journal.js" stayed on the terminal after the console
    # quit (seen at 80x24).
    lines = [line for line in shown.split("\r") if line.startswith("reading ")]
    assert lines and all(len(line) < 60 and line.endswith(" %") for line in lines), lines
    assert lines[-1].startswith("reading …") and f"{journal.parent.name}/journal.jsonl" in lines[-1]
    assert shown.endswith("\r\x1b[K")  # the line is cleared for the console


async def test_a_resumed_adhoc_step_keeps_its_title_and_asks_for_its_command_again(
    tmp_path: Path,
) -> None:
    """An ad-hoc command's text is not kept across a restart (it is sent as typed, and
    the journal holds it masked): the resumed step is titled as recorded, and its retry
    says to type it again instead of running a step the procedure does not have."""
    from console.demo.faults import Fault, FaultKind
    from console.ui.screens.execution import ExecutionScreen
    from console.ui.widgets.one_line import OneLine
    from tests.test_ui_support import build_app, open_incident, type_text

    root = tmp_path / "incidents"
    faults = [Fault(FaultKind.WRONG_HOSTKEY, "web-2")]
    async with DemoFleet(demo_settings(), faults) as fleet:
        first = build_app(fleet.settings, root)
        async with first.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            await pilot.press("f3", "e")
            await type_text(pilot, "echo checked")
            await pilot.press("enter")
            state = first.conductor.state
            await until(pilot, lambda: state.step("adhoc-1").status is StepStatus.FAILED)
            assert state.step("adhoc-1").hosts["web-2"].status is HostStatus.FAILED
            journal = first.conductor.recorder.path
            first.conductor.recorder.close()
        engine = build_engine(fleet.settings, root)
        app = resumed_app(engine, journal)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: checklist_shown(app))
            await pilot.press("f3")
            await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
            screen = app.screen
            title = screen.query_one("#exec-title", OneLine)
            await until(pilot, lambda: "Ad-hoc 1: echo checked" in str(title.render()))
            seen = len(app.conductor.recorder.events)
            await pilot.press("t")
            await until(pilot, lambda: any(n.title == "Not retried" for n in app._notifications))
            said = next(n.message for n in app._notifications if n.title == "Not retried")
            assert "type it again" in said
            assert isinstance(app.screen, ExecutionScreen)
            assert len(app.conductor.recorder.events) == seen  # nothing sent, nothing recorded
        await engine.close()
