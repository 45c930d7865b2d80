"""What every headless command shares: exit statuses, options, the demo fleet while it
runs, where the journal goes, event lines and JSON on stdout, Ctrl+C as an abort."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console.engine.conductor import Conductor, ProcedureError
from console.engine.errors import HostRefused, LockRefused
from console.engine.session import Engine
from console.journal.custody import account_name
from console.journal.files import JOURNAL_NAME
from console.journal.results import refused_result
from console.journal.terminal_line import PlaceColumn
from console.model.events import Event
from console.model.invocation import again
from console.model.outcome import Outcome
from console.model.settings import Settings
from console.model.status import FailureClass
from console.model.visible import visible

if TYPE_CHECKING:  # the demo fleet and the probes are imported by the commands that use them
    from console.demo.faults import Fault
    from console.engine.host_trust import HostKeys


EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3
EXIT_UNKNOWN = 4  # run: a host's outcome is unknown; the incident is left open


class RunOptions(NamedTuple):
    """How run, drill and exec were asked to go: made once, read only (a NamedTuple: a
    dataclass cost ~2.4 M instructions more to define, issue 18)."""

    accept_keys: HostKeys  # host -> SHA256 fingerprints (--accept-host-key)
    demo: bool = False
    journal: str | None = None
    quiet: bool = False
    take_over_lock: str | None = None
    drill: bool = False
    json: bool = False  # one JSON document on stdout, nothing else
    accept_config_change: bool = False  # exec --journal: hosts changed since its opening


@contextlib.asynccontextmanager
async def reachable(settings: Settings, faults: list[Fault], demo: bool) -> AsyncIterator[Settings]:
    """The settings to connect with: the demo fleet's while it runs, else as configured."""
    if not demo:
        yield settings
        return
    from console.demo.fleet import DemoFleet

    fleet = DemoFleet(settings, faults)
    try:
        yield await fleet.start()
    finally:
        await fleet.stop()


def journal_dir(path: str | None, engine: Engine, incident_id: str) -> Path:
    """`--journal` (a journal file or an incident directory), else the engine's journal
    root: where a new incident's journal is made, never one that holds an incident
    already (a second run or drill there appended a second incident to its record), nor
    other files (its mode is tightened to 0700: `--journal /tmp` closed /tmp to all), nor
    one another account owns (an empty one made for it in /tmp: that account could then
    replace the record's files, the console's root run writing them)."""
    if not path:
        return engine.journal_root / incident_id
    target = Path(path)
    if target.suffix == ".jsonl" or target.is_file():
        if target.name != JOURNAL_NAME:
            raise ProcedureError(f"--journal {path}: a journal file must be named {JOURNAL_NAME}")
        target = target.parent
    if (target / JOURNAL_NAME).exists():
        raise ProcedureError(
            f"--journal {path}: holds an incident already; a new one needs a directory of"
            " its own (`resume` goes on with that one, `exec --journal` adds to it while open)"
        )
    owner = target.stat().st_uid if target.exists() else os.geteuid()
    if owner != os.geteuid():  # it could swap the record's files, or plant links there
        raise ProcedureError(
            f"--journal {path}: {account_name(owner)}'s directory, not this account's; a new"
            " incident needs a directory of its own, new or empty (the console makes it"
            " private, 0700)"
        )
    if target.is_dir() and any(target.iterdir()):  # /tmp, a home: made 0700, all of it
        raise ProcedureError(
            f"--journal {path}: holds other files; a new incident needs a directory of its"
            " own, new or empty (the console makes it private, 0700)"
        )
    return target


def print_json(document: dict) -> None:
    # ASCII only: a host's bytes (C1 controls, bidi marks) reach no terminal raw.
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
    sys.stdout.flush()


def accept_hint(host: str | None, failure: FailureClass | None, fingerprint: str | None) -> str:
    """For a host refused for an unknown key: the option that accepts exactly that key,
    to give once its owner has confirmed the fingerprint (never a changed key's)."""
    if failure is not FailureClass.HOSTKEY_UNKNOWN or not fingerprint or not host:
        return ""
    return f"; once its owner confirms that fingerprint: --accept-host-key {host}={fingerprint}"


class EventPrinter:
    """Event lines to stdout, written once per loop turn rather than once per event."""

    def __init__(self):
        self._lines: list[str] = []
        self._verify = ""  # the command line that verifies its hosts left unknown
        self.places = PlaceColumn()  # as wide as the incident's longest place

    def __call__(self, event: Event) -> None:
        from console.model.payloads import IncidentOpened

        if not self._lines:
            asyncio.get_running_loop().call_soon(self.flush)
        if isinstance(event.data, IncidentOpened):
            self._verify = again(f"verify {event.data.incident_id}")
        self._lines.append(self.places.line(event, self._verify))

    def flush(self) -> None:
        if self._lines:
            sys.stdout.write("\n".join(self._lines) + "\n")
            sys.stdout.flush()
            self._lines.clear()


def say_waits(conductor: Conductor, printer: EventPrinter, quiet: bool, as_json: bool) -> None:
    """What the walk waits on and journals nothing about (the hosts asked what `target =
    previous` stands for: up to their timeouts when one hangs), a line at once as the
    events' lines are (--json: on stderr, stdout holding the document; --quiet: none)."""
    if quiet and not as_json:
        return

    def said(step_id: str, words: str) -> None:
        printer.flush()  # after the events before it
        now = conductor.recorder.clock.now()
        line = visible(f"{now:%H:%M:%S}  {step_id:<{printer.places.width}} {words}", one_line=True)
        print(line, file=sys.stderr if as_json else sys.stdout, flush=True)

    conductor.waiting = said


@contextlib.contextmanager
def refusal_as_json(
    command: str, as_json: bool, journal: Callable[[], Path | None]
) -> Iterator[None]:
    """With --json, a refusal (another incident holds a system, or the request is
    refused) still prints the one result document on stdout, with the journal's path if
    one was made; its line goes to stderr and its exit status is as without --json."""
    try:
        yield
    except ProcedureError as refused:
        if as_json:
            locked = isinstance(refused, LockRefused)
            holder = refused.holder if isinstance(refused, LockRefused) else ""
            code = EXIT_REFUSED if locked else EXIT_USAGE  # as the command line says it
            if isinstance(refused, HostRefused):  # a host, once dialled: a host failure
                code = EXIT_FAILED
            print_json(refused_result(command, str(refused), code, journal(), holder))
        raise


INTERRUPTED = "interrupted by "  # a signal's abort reason: `interrupted by SIGTERM`
_ABORTING: set[asyncio.Task[None]] = set()  # held until done: the loop keeps weak refs


def _abort_soon(conductor: Conductor, reason: str) -> None:
    if conductor.state.closed and not conductor.running:  # an undo after the close runs
        # nothing left to abort: stop waiting on notifications
        conductor.notifier.interrupt(reason)
        return
    closing = conductor.closing
    if closing.undoing_faults and closing.held_abort is None:  # their undo goes first
        closing.held_abort = reason  # a second signal stops the undo too
        said = f"{reason}: the drill ends once its faults are undone (a second signal stops"
        conductor.note(f"{said} their undo)")
        return
    name = f"abort {id(conductor)}: {reason}"
    if conductor.runner.aborted == reason or any(t.get_name() == name for t in _ABORTING):
        return  # the same signal again while it aborts: journalled once
    task = asyncio.get_running_loop().create_task(conductor.abort(reason), name=name)
    _ABORTING.add(task)
    task.add_done_callback(_ABORTING.discard)


def _interrupted(conductor: Conductor, reason: str) -> None:
    """Ctrl+C: the terminal echoed `^C` where its cursor was; what is said next starts on
    a line of its own (not `^Chosts whose last step ...`)."""
    for stream in (sys.stdout, sys.stderr):
        if stream.isatty():
            stream.write("\n")
            stream.flush()
            break
    _abort_soon(conductor, reason)


def _hung_up(conductor: Conductor) -> None:
    """SIGHUP: the command's terminal went away (its SSH session dropped, its tmux
    killed), or a `kill -HUP`. Nobody decided to stop, so nothing is cut off halfway on
    a host: what was sent runs to its end, watched, each result journalled (a host past
    its change gets its verify), and nothing new starts; the command then stops,
    leaving what it drives open to resume, and exits 129 (`hung_up`)."""
    if conductor.runner.hung_up or conductor.runner.aborted:
        return  # said once; an abort under way goes on
    why = _why_hung_up()
    running = conductor.running_hosts()
    on = f" (running on {', '.join(running)})" if running else ""
    said = f"{why}: what was sent runs to its end{on}, each result journalled; nothing new"
    conductor.note(f"{said} is started")
    task = asyncio.get_running_loop().create_task(conductor.runner.hang_up(why))
    _ABORTING.add(task)
    task.add_done_callback(_ABORTING.discard)


HUP = signal.Signals.SIGHUP.name
HUNG_UP_WHY = (f"terminal closed ({HUP})", f"ended by {HUP}")  # gone, or a `kill -HUP`


def _why_hung_up() -> str:
    from console.guard import terminal_gone

    return HUNG_UP_WHY[0] if terminal_gone() else HUNG_UP_WHY[1]


def _hang_up_aborts(conductor: Conductor) -> None:
    """A drill's HUP: aborted as on Ctrl+C (its faults undone), said as a hang-up."""
    _abort_soon(conductor, _why_hung_up())


EXIT_HUNG_UP = 128 + signal.SIGHUP  # as the console ended by its terminal's closing


def hung_up(conductor: Conductor, code: int) -> int:
    """The exit status of a command whose terminal went away before it ended (129),
    unless an abort (Ctrl+C, TERM) after it said otherwise; else `code`."""
    runner = conductor.runner
    return EXIT_HUNG_UP if runner.hung_up and not runner.aborted else code


def meanwhile(conductor: Conductor) -> str:
    """For the last line of a command that did what it was asked though its terminal
    closed as it ran: ` (terminal closed (SIGHUP) as it ran: exit status 129)`, else ''."""
    why, runner = conductor.runner.hung_up, conductor.runner
    return f" ({why} as it ran: exit status {EXIT_HUNG_UP})" if why and not runner.aborted else ""


@contextlib.contextmanager
def abort_on_signals(conductor: Conductor, hup_aborts: bool = False):
    """Ctrl+C or TERM aborts the run with that reason; the journal says so. HUP (its
    terminal closed) stops it without cutting anything off (`_hung_up`), or, for a
    drill (`hup_aborts`), aborts it too: its abort puts back the faults it injected.
    Started ignoring HUP (`nohup`), it goes on ignoring it."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(
            signum,
            _interrupted if signum == signal.SIGINT else _abort_soon,
            conductor,
            f"{INTERRUPTED}{signal.Signals(signum).name}",
        )
    hup = signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN
    if hup and hup_aborts:
        loop.add_signal_handler(signal.SIGHUP, _hang_up_aborts, conductor)
    elif hup:
        loop.add_signal_handler(signal.SIGHUP, _hung_up, conductor)
    try:
        yield
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hup else [])):
            loop.remove_signal_handler(signum)


@contextlib.contextmanager
def signals_cancel(task: asyncio.Task[object]) -> Iterator[list[str]]:
    """Before an incident exists (`run --trigger auto` waits on the probes): a HUP or a
    TERM cancels `task`, nothing of it to finish, its why put in the list yielded (Ctrl+C
    cancels it as asyncio does). Started ignoring HUP (`nohup`), it goes on ignoring it."""
    why: list[str] = []

    def ended(said: str) -> None:
        if not why:
            why.append(said or _why_hung_up())
            task.cancel()

    loop = asyncio.get_running_loop()
    signums = [signal.SIGTERM]
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signums.append(signal.SIGHUP)
    for signum in signums:
        said = f"{INTERRUPTED}{signum.name}" if signum == signal.SIGTERM else ""
        loop.add_signal_handler(signum, ended, said)
    try:
        yield why
    finally:
        for signum in signums:
            loop.remove_signal_handler(signum)


@contextlib.asynccontextmanager
async def driving(conductor: Conductor, drill: bool = False) -> AsyncIterator[None]:
    """While a run or a drill drives the incident: Ctrl+C or TERM aborts it, HUP stops
    it once what was sent has ended (a drill's: an abort, `abort_on_signals`), a refusal
    closes it as refused; at the end the conductor shuts down and its journal closes."""
    with abort_on_signals(conductor, hup_aborts=drill):
        try:
            yield
        except ProcedureError as refused:
            if conductor.state.closed_at is None:
                failed = isinstance(refused, HostRefused)  # by a host, once dialled
                conductor.close(Outcome.FAILED if failed else Outcome.REFUSED, str(refused))
            raise
        finally:
            await conductor.shutdown()
            conductor.recorder.close()
