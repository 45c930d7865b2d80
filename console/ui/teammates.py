"""A teammate's incident in the home screen's list. r: while their console runs, asking it
for command (console/engine/handover_request.py, console/ui/yielding.py there); once it has
ended, or let go, taking command of it, with a reason, recorded (console/engine/handover.py),
then resuming it as this account's. f (any incident): the
read-only live view, `rollback-console follow`, in this terminal until it is quit."""

from __future__ import annotations

import contextlib
import functools
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from console.engine.errors import ProcedureError
from console.journal.files import JournalError
from console.model.visible import visible
from console.ui.refusals import say_refused

if TYPE_CHECKING:
    from console.engine.handover_request import Request
    from console.engine.listing import IncidentSummary
    from console.journal.store import Progress
    from console.ui.app import RollbackApp
    from console.ui.screens.loading import LoadingScreen

T = TypeVar("T")
# Seconds the toast stays that says command was handed over here and could not be taken:
# nobody drives that incident until it is, so it stays long enough to be acted on.
HANDED_SAID = 120


def teammates(app: RollbackApp, summary: IncidentSummary) -> None:
    """r on an incident this console may not simply resume (Custody.r_does, as the firing
    banner says it): a teammate's, or this account's own that another of its processes
    writes. Say what this account may do with it; ask its owner's console for command, or
    offer the hand-over when it is open and nothing of its owner's runs, once its journal
    says this console could resume it (`_checked`)."""
    custody, closed = summary.custody, summary.outcome is not None
    assert custody is not None
    keys = (app.key_label("home.follow"), app.key_label("home.resume"))
    said = visible(f"{custody.whose(closed)}. {custody.can(summary.incident_id, closed, keys)}")
    if custody.r_does(closed) in ("read", "wait"):  # a closed one, or nobody to ask
        app.notify(said, title="Not resumed: read-only", severity="warning", markup=False)
        return
    if custody.r_does(closed) == "ask":
        _checked(app, summary, lambda: _ask(app, summary))
    else:
        _checked(app, summary, lambda: _offer_take(app, summary))


def _offer_take(app: RollbackApp, summary: IncidentSummary) -> None:
    """Ask why command of the incident is taken; taken once it is said."""
    from console.ui.screens.dialogs import TextPrompt

    custody = summary.custody
    assert custody is not None

    def taken(reason: str | None) -> None:
        if reason:
            _take(app, summary, reason)

    app.push_screen(
        TextPrompt(
            f"Take command of {custody.owner}'s incident {summary.incident_id}",
            f"{visible(custody.whose(False))}. Its journal is copied whole into one of this"
            " account's own, which"
            f" takes its place; {custody.owner}'s is kept as it was beside it. The hand-over,"
            " from whom and why, is recorded in the timeline and the document. Say why.",
            "Reason for taking command",
            required=True,
            danger=True,
            elsewhere=f", so command of {custody.owner}'s {summary.incident_id} was not taken",
        ),
        taken,
    )


class GivenUp(Exception):
    """The console quit while a take read or checked the incident, before anything was
    copied: nothing was taken, and the take can be done again."""


class HandedNotTaken(ProcedureError):
    """Command was handed over to this account, recorded in the owner's journal, and
    taking it here was refused (its message: why)."""


# What a take can meet: a refusal (HandOverRefused, LockRefused, HandedNotTaken), a journal
# that cannot be read, a file's error, the console quitting first. Anything else is a bug,
# said by the console's internal-error line, not as a "Not taken over" toast.
MET = (ProcedureError, JournalError, OSError, GivenUp)


def _in_thread(
    app: RollbackApp,
    loading: LoadingScreen,
    work: Callable[[Progress, Callable[[], None]], T],
    then: Callable[[T], None],
    refused: Callable[[Exception], None],
) -> None:
    """`work` in a thread behind `loading`'s progress bar (a journal of 100,000 events
    takes seconds to read: the console draws and answers meanwhile); then, on the UI's
    loop, `then` with its result, or `refused` with what it raised (said, never a spinner
    left turning). `work` is given the progress to report and the `ready` to call before
    it copies anything: the console quitting before then gives the take up (GivenUp),
    nothing copied; after, the take goes on to its end, recorded, the console gone."""
    copying = threading.Event()

    def quitting() -> bool:
        return app.return_code is not None

    def progress(done: int, total: int) -> None:
        if quitting() and not copying.is_set():
            raise GivenUp
        if not quitting():
            app.call_from_thread(loading.advance, done, total)

    def ready() -> None:
        if quitting():
            raise GivenUp
        copying.set()

    def run() -> None:
        try:
            answer = functools.partial(then, work(progress, ready))
        except MET as exc:
            answer = functools.partial(refused, exc)
        except BaseException:  # a bug: worker_errors.py says it; no bar left turning
            if not quitting():
                app.call_from_thread(loading.dismiss)
            raise
        if not quitting():
            app.call_from_thread(_ended, loading, answer)

    app.push_screen(loading)
    app.run_worker(run, thread=True, group="take-command", exit_on_error=False)


def _ended(loading: LoadingScreen, then: Callable[[], None]) -> None:
    loading.dismiss()
    then()


def _checked(app: RollbackApp, summary: IncidentSummary, then: Callable[[], None]) -> None:
    """`then`, once this console could resume the incident when command is taken (else
    said, before a reason is asked for, or its owner's console asked): its journal read
    behind a progress bar, then every check `check_take` makes. A stale lock of another
    incident is not in the way: the resume asks for a reason to take it over."""
    from console.engine.take_first import check_take
    from console.ui.screens.loading import LoadingScreen

    engine, journal = app.engine, summary.path

    def check(progress: Progress, _: Callable[[], None]) -> None:  # it copies nothing
        state = engine.read(journal, progress).state
        check_take(engine, journal, state, stale_asked=True)

    loading = LoadingScreen(
        str(journal), f"Before taking command of {summary.incident_id}", "Reading its journal"
    )
    _in_thread(app, loading, check, lambda _: then(), functools.partial(_not_taken, app, journal))


def _not_taken(app: RollbackApp, journal: Path, exc: Exception) -> None:
    say_refused(app, journal, str(exc), "Not taken over")


def _take(app: RollbackApp, summary: IncidentSummary, reason: str, asked: bool = False) -> None:
    """Take command (a thread: the journal is read, copied and read again), then resume
    it. `asked`: its owner's console was asked and has let go; refused now, the journal
    says whether command was handed over here (`HandedNotTaken`)."""
    from console.ui.screens.loading import LoadingScreen

    engine, journal = app.engine, summary.path

    def take(progress: Progress, ready: Callable[[], None]) -> Path:  # refusals: said
        try:
            return engine.take_command(
                journal, reason, ready=ready, stale_asked=True, progress=progress
            )
        except (ProcedureError, JournalError, OSError) as exc:
            if asked and _commander_here(app, journal, progress):
                raise HandedNotTaken(str(exc)) from exc
            raise

    def refused(exc: Exception) -> None:
        if isinstance(exc, HandedNotTaken):
            _handed_not_taken(app, summary, exc)
        else:
            _not_taken(app, journal, exc)

    loading = LoadingScreen(
        str(journal), f"Taking command of {summary.incident_id}", "Copying and reading its journal"
    )
    _in_thread(app, loading, take, app.resuming.resume, refused)


def _commander_here(app: RollbackApp, journal: Path, progress: Progress) -> bool:
    """Whether the journal names this account the incident's commander (handed over)."""
    with contextlib.suppress(ProcedureError, JournalError, OSError):
        return app.engine.read(journal, progress).state.commander == app.engine.actor.login
    return False


def _handed_not_taken(app: RollbackApp, summary: IncidentSummary, exc: Exception) -> None:
    """Command was handed over to this account, recorded in the owner's journal, and its
    console has quit; taking it here was refused since it was asked for (the incident's
    hosts or this configuration changed meanwhile, another incident took a system): say
    that nobody drives it now, why, and how it is taken once that is put right."""
    assert summary.custody is not None
    owner, incident = summary.custody.owner, summary.incident_id
    said = (
        f"{owner}'s console handed command of {incident} over to you and quit: the"
        f" hand-over is in its record, and nobody drives {incident} now. Taking it here"
        f" was refused: {exc}. Once that is put right, take command of it"
        f" ({app.key_label('home.resume')} on the home screen; the reason is asked again),"
        f" or {owner} resumes it."
    )
    say_refused(app, summary.path, said, "Handed over to you, not taken", HANDED_SAID)


def _ask(app: RollbackApp, summary: IncidentSummary) -> None:
    """The owner's console runs: ask it for command (console/engine/handover_request.py),
    then wait for its answer; command is taken once it has let go."""
    from console.ui.screens.dialogs import TextPrompt
    from console.ui.yielding import YIELD_SECONDS

    custody = summary.custody
    assert custody is not None

    def asked(reason: str | None) -> None:
        if not reason:
            return
        from console.engine.handover_request import ask

        locks, actor = app.engine.locks, app.engine.actor
        request = ask(locks, summary.incident_id, actor.login, actor.user, reason)
        app.notify(
            f"Asked {custody.owner}'s console for command: whoever is at its keyboard may"
            f" keep it; with nobody there for {YIELD_SECONDS:.0f} s it hands command over.",
            title="Asked for command",
            markup=False,
        )
        waiting = _answer(app, summary, reason, request)
        app.run_worker(waiting, group="take-command", exit_on_error=False)

    app.push_screen(
        TextPrompt(
            f"Ask {custody.owner}'s console for command of {summary.incident_id}",
            f"{visible(custody.whose(False))}. Its console is asked to hand command over:"
            " whoever is at its keyboard"
            f" keeps it (Esc) or hands it over; with nobody there for {YIELD_SECONDS:.0f} s,"
            " it records the hand-over and quits, and command is taken here. Say why.",
            "Reason for asking",
            required=True,
            danger=True,
            elsewhere=f", so {custody.owner}'s console was not asked for {summary.incident_id}",
        ),
        asked,
    )


async def _answer(
    app: RollbackApp, summary: IncidentSummary, reason: str, request: Request
) -> None:
    """Wait (bounded) for the owner's console to let go, then take command; or say that
    it kept command, or did not answer."""
    import asyncio

    from console.engine.handover_request import (
        ANSWER_SECONDS,
        LET_GO_SECONDS,
        POLL_SECONDS,
        Waiting,
    )

    assert summary.custody is not None  # a teammate's
    incident, owner = summary.incident_id, summary.custody.owner
    waiting = Waiting(app.engine.locks, summary.path, incident, request)
    said = None
    while said is None:
        await asyncio.sleep(POLL_SECONDS)
        said = waiting.look()
    if said == "let go":
        _take(app, summary, reason, asked=True)
        return
    told = {
        "kept": f"{owner}'s console kept command of {incident}.",
        "unanswered": f"{owner}'s console did not hand command over within"
        f" {ANSWER_SECONDS:.0f} s (a step runs there, or it does not look): ask again later.",
        "held": f"{owner}'s console handed command of {incident} over to you as this wait"
        f" ended, and had not let go of it {LET_GO_SECONDS:.0f} s later: take command (r) once"
        " it has ended.",
    }
    app.notify(told[said], title="Not taken over", severity="warning", markup=False)


def follow(app: RollbackApp, journal: Path) -> None:
    """The follow view of `journal` in this terminal, the console suspended meanwhile (it
    holds nothing of that incident: nothing waits on it). `-P`: this checkout's package,
    whatever the current directory holds."""
    from textual.app import SuspendNotSupported

    command = [sys.executable, "-P", "-m", "console", "follow", str(journal)]
    try:
        with app.suspend():
            subprocess.run(command, check=False)
    except SuspendNotSupported:  # no terminal of its own (a browser, a test)
        app.notify(f"Follow it from a shell: rollback-console follow {journal}", markup=False)
