"""Start the console: on the configured fleet, on the demo fleet, resumed, or following."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from console.cli import terminal_needed
from console.demo.faults import Fault
from console.demo.fleet import DemoFleet
from console.engine.session import Engine, Loaded
from console.journal.describe import notified_lines
from console.journal.files import journal_path
from console.model.settings import Settings
from console.model.visible import visible
from console.paths import state_dir
from console.ui.app import make_app
from console.ui.collector import parked
from console.ui.declaration_draft import keep
from console.ui.preferences import PREFERENCES, Preferences, ThemeChoice

# How long a console ended from outside waits for its last notifications (a resolve).
LAST_WORD_SECONDS = 10.0

if TYPE_CHECKING:
    from textual.app import App

    from console.engine.notifier import Notifier
    from console.ui.app import RollbackApp
    from console.ui.quitting import Quitting

log = logging.getLogger(__name__)


def theme_choice(settings: Settings | None = None, demo: bool = False) -> ThemeChoice:
    """console.toml's theme, written back there when the user picks another; the demo's
    packaged configuration and the follow view keep the choice in the user's state dir."""
    preferences = Preferences(state_dir() / PREFERENCES)
    if settings is None or demo or settings.directory is None:
        return ThemeChoice(preferences)
    return ThemeChoice(preferences, settings.directory / "console.toml", settings.console.theme)


async def _last_word(notifier: Notifier, why: str) -> None:
    """A console ended from outside stops its periodic updates and gives the close's
    update and PagerDuty's queued events a few seconds to go out (the close's resolve:
    the on-call paged on after the rollback without it), then journals each still
    unanswered or unsent as such: a silent receiver is not waited out (its retries ran to
    two minutes, the incident held from the commander back on a new session, nobody left
    to stop the wait)."""
    drain = asyncio.ensure_future(notifier.drain())
    await asyncio.wait([drain], timeout=LAST_WORD_SECONDS)
    notifier.end(why)  # what is left is cut, each journalled, and the drain ends
    await drain


@contextlib.contextmanager
def _interrupting(notifier: Notifier, quitting: Quitting) -> Iterator[None]:
    """Ctrl+C or TERM while the last notifications go out stops waiting for them (each is
    journalled not delivered, saying so); the locks are released and the journal closed
    as after any quit. So does the terminal closing after the quit, the release saying
    it (`quitting.ended_by`): seen, SIGHUP killed the console as it waited, with nothing
    of the quit, the hang-up or the page on record ("killed, or crashed" in `list`). A
    HUP the console was started ignoring stays ignored while its terminal is there."""
    from console.ui import terminal

    loop = asyncio.get_running_loop()
    ignored = signal.getsignal(signal.SIGHUP) is signal.SIG_IGN

    def hung_up() -> None:
        if not (gone := terminal.gone()) and ignored:
            return
        if gone:
            terminal.let_go()
        why = "terminal closed (SIGHUP)" if gone else "ended by SIGHUP"
        quitting.ended_by = quitting.ended_by or f"{why} after the console quit"
        notifier.interrupt("stopped by the terminal closing" if gone else "interrupted by SIGHUP")

    for signum in (signal.SIGINT, signal.SIGTERM):
        why = f"interrupted by {signal.Signals(signum).name}"
        loop.add_signal_handler(signum, notifier.interrupt, why)
    before = signal.getsignal(signal.SIGHUP)
    loop.add_signal_handler(signal.SIGHUP, hung_up)
    try:
        yield
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(signum)
        if before is not None:  # as it was (ignored, or not handled)
            signal.signal(signal.SIGHUP, before)


@contextlib.contextmanager
def _ended_from_outside(app: RollbackApp) -> Iterator[None]:
    """SIGHUP (the console's terminal closed: its SSH session dropped, its window shut)
    or SIGTERM: nobody is there to ask, so the console does what the quit dialog's D
    does, the reason journalled (`Quitting.end`), and exits 128 + the signal's number.
    A terminal that is gone is let go of first: nothing more is written to it. A signal
    the console was started ignoring (`trap '' HUP`) stays ignored, but for the hangup of
    a terminal that is gone (the console's own terminal watch says it with a SIGHUP too):
    seen, such a console whose tmux was killed ran on, unreachable, its journal and lock
    held as `running` for ever, spinning a fifth of a core. A SIGINT (`kill -INT`: Ctrl+C
    is a key there, the quit's) likewise, exit 1 (interrupted): it quit silently, exit 0,
    its locks released as if the commander had quit."""
    from console.ui import terminal

    loop = asyncio.get_running_loop()
    others = (signal.SIGTERM, signal.SIGINT)
    ignored = {s for s in (signal.SIGHUP, *others) if signal.getsignal(s) is signal.SIG_IGN}
    handled = [signal.SIGHUP, *(s for s in others if s not in ignored)]
    before = {s: signal.getsignal(s) for s in handled}

    def ended(signum: signal.Signals) -> None:
        gone = terminal.gone()
        if signum in ignored and not gone:
            return  # started ignoring it: a `kill -HUP` by hand stays ignored
        if gone:
            terminal.let_go()
        why = f"terminal closed ({signum.name})" if gone else f"ended by {signum.name}"
        log.debug("%s: the console ends as after a detach", why)
        if app.conductor is None and app.quitting.ended_by is None:  # no record to note it in
            keep(app, why)  # a declaration half typed, for the next console
        app.quitting.end(why, 1 if signum == signal.SIGINT else 128 + signum)

    for signum in handled:
        loop.add_signal_handler(signum, ended, signum)
    try:
        yield
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
            if (handler := before[signum]) is not None:  # as it was (ignored, asyncio's)
                signal.signal(signum, handler)


@contextlib.contextmanager
def _gone_ends(app: App[int]) -> Iterator[None]:
    """The follow view started ignoring SIGHUP (`trap '' HUP`) ends once its terminal is
    gone (its terminal watch says so with a SIGHUP): seen, one whose tmux was killed ran on
    for ever, at a fifth of a core. It holds nothing, so it just exits (129). A SIGHUP it
    was not started ignoring ends it as before."""
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        yield
        return
    from console.ui import terminal

    def hung_up() -> None:
        if terminal.gone():  # a `kill -HUP` by hand, its terminal there, stays ignored
            terminal.let_go()
            app.exit(128 + signal.SIGHUP)

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, hung_up)
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGHUP)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as it was started


def _read(engine: Engine, journal: Path) -> Loaded:
    """Resume's long half, before the console draws (its locks are claimed, or refused,
    first): how far the reading is, on the terminal; no collection over the events."""
    shown = sys.stderr.isatty()
    # On one line, or the clearing below would leave its first part on the terminal.
    room = shutil.get_terminal_size().columns - len("reading : 100 %") - 1
    name = visible(str(journal))
    name = name if len(name) <= room else "…" + name[len(name) - max(room - 1, 8) :]

    def progress(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        print(f"\rreading {name}: {percent} %", end="", file=sys.stderr)

    try:
        with parked():
            return engine.read(journal, progress if shown else None)
    finally:
        if shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


class _QuietTeardown(logging.Filter):
    """asyncio warns once per write to a socket the teardown closed (a detached run's
    channels): that is the teardown working, not news for the commander."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "socket.send() raised exception" not in record.getMessage()


async def _serve(
    settings: Settings,
    demo: bool,
    resume: Path | None = None,
    take_over: str | None = None,
    fleet: DemoFleet | None = None,
    drawn: asyncio.Event | None = None,
) -> int:
    engine = Engine.build(settings, demo=demo, threaded_io=True)
    app = None
    quiet = _QuietTeardown()
    try:
        # A resumed incident holds its systems' locks before the console shows anything:
        # refused (exit 3) while another console holds them. Without a terminal, refused
        # once every other refusal has had its say, before anything is taken or written.
        resumed = None
        if resume is not None:
            loaded = _read(engine, resume)
            engine.check_resume(loaded, take_over)
            terminal_needed.needs_terminal(loaded.state.incident_id or resume.parent.name)
            resumed = engine.resumed(loaded, take_over)
        else:
            terminal_needed.needs_terminal()
        app = make_app(settings, engine, resume=resumed)
        app.theme_choice = theme_choice(settings, demo)
        app.drills.demo_faults = fleet  # drills inject their faults into the running demo fleet
        if drawn is not None:  # set at the console's first frame: the demo fleet waits for it
            app.drawn = drawn
        if fleet is not None:  # its keys: after the first frame, before the probes connect
            app.at_first_frame = fleet.make_keys
        with _ended_from_outside(app):
            result = await app.run_async()
    finally:
        logging.getLogger("asyncio").addFilter(quiet)
        stopped = app is not None and app.journal_stopped is not None
        if app is not None and app.conductor is not None and not stopped:
            # Periodic updates stop; PagerDuty's last events go out before the journal closes.
            notifier = app.conductor.notifier
            if app.quitting.ended_by is not None:  # its terminal gone, a TERM: nobody is
                await _last_word(notifier, app.quitting.ended_by)  # left to wait long
            waited = notifier.pager.pending if app.quitting.ended_by is None else 0
            before = len(app.conductor.recorder.events)
            if waited:
                print("waiting for the last PagerDuty event(s) to go out; Ctrl+C stops waiting")
            with _interrupting(notifier, app.quitting):
                await notifier.drain()
            if waited:  # how each ended: nobody sees the console's screen any more
                events = app.conductor.recorder.events[before:]
                print(*notified_lines(events, failed_only=False), sep="\n", flush=True)
            # Journalled, so a follower sees nobody driving (and why, if nobody quit); kept
            # while a host is unknown or left running: a change may still run there.
            app.quitting.let_go()
            app.conductor.recorder.close()
        await engine.close()  # gives back what any other incident of this session held
    if app is not None and app.journal_stopped is not None:
        raise app.journal_stopped  # its one line, from the command line: no traceback
    if (
        app is not None and app.return_code is not None
    ):  # the commander quit: where it stands, how to resume
        print(app.summary(), flush=True)
    if isinstance(result, int):
        return result
    return (app.return_code or 0) if app is not None else 0  # 1: it ended on an error


async def _demo(
    settings: Settings,
    faults: list[Fault],
    resume: Path | None = None,
    take_over: str | None = None,
) -> int:
    fleet = DemoFleet(settings, faults)
    drawn = asyncio.Event()
    serving = None
    try:
        live = fleet.bind()  # ports: the console can start on them at once (keys: at its frame)
        # The hosts' sandboxes are built and the hosts served once the console has drawn
        # its first frame (serving imports asyncssh, ~15 % of the way to it; the seven
        # sandboxes' builders, in threads, would take the interpreter's lock from the
        # imports); a probe that connects sooner waits in its port's backlog.
        serving = asyncio.ensure_future(fleet.serve(after=drawn))
        return await _serve(
            live, demo=True, resume=resume, take_over=take_over, fleet=fleet, drawn=drawn
        )
    finally:
        failed = await _stopped(serving)
        with contextlib.suppress(Exception):
            await fleet.stop()
        if failed is not None:
            raise failed  # the demo hosts could not be served: say why


async def _stopped(task: asyncio.Future | None) -> BaseException | None:
    """Cancel `task` if it still runs; what it raised, if anything."""
    if task is None:
        return None
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        return None
    except Exception as exc:
        return exc
    return None


def _run(main) -> int:
    try:
        return asyncio.run(main)
    except KeyboardInterrupt:
        return 1


def run_tui(settings: Settings) -> int:
    """The console on the configured inventory; the exit code of the app."""
    return _run(_serve(settings, demo=False))


def run_demo_tui(settings: Settings, faults: list[Fault]) -> int:
    """Start the demo fleet in the app's own loop, run the console, stop the fleet."""
    return _run(_demo(settings, faults))


def run_resume(
    settings: Settings, path: Path, demo: bool = False, take_over: str | None = None
) -> int:
    """Reopen the incident in `path` (a journal file) in the console; `demo` starts the fleet.

    The demo fleet gets new ports and keys each run: the resumed incident talks to it.
    """
    journal = journal_path(path)
    if demo:
        return _run(_demo(settings, [], resume=journal, take_over=take_over))
    return _run(_serve(settings, demo=False, resume=journal, take_over=take_over))


def run_follow(path: Path) -> int:
    """The read-only live view of the incident another console writes to `path`."""
    from console.ui.follow import make_follow_app  # not on the console's way to its frame

    async def follow() -> int:
        app = make_follow_app(path)
        with _gone_ends(app):
            result = await app.run_async()  # no engine, no SSH: nothing to close
        if app.unreadable:  # one line, as `follow --plain` and the first read say it
            from console.model.visible import visible

            print(f"error: {visible(app.unreadable)}", file=sys.stderr)
        return result if isinstance(result, int) else (app.return_code or 0)  # 1: an error

    return _run(follow())
