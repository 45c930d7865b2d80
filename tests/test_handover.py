"""Taking command of a teammate's open incident at a shift change, in a team's
journal_dir and lock_dir (2770): refused while the teammate's console runs; once it has
ended (quit, or killed), the incident goes on in a journal of the new commander's own,
theirs copied whole and kept as it was beside it, the hand-over (from whom, why, what was
copied) in the timeline and the document; the kept copy can no longer be resumed. The
new commander is a real second account (a process of its own), so the file modes and the
move of the teammate's directory are what a real one gets."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from console.engine import handover_request
from console.engine.handover import HandOverRefused, take_command_recorded
from console.journal.actor import current_actor
from console.journal.files import JournalError
from console.journal.lock import SystemLocks
from console.journal.store import read_journal
from console.model.clock import SystemClock
from console.model.events import Kind
from console.model.state import fold
from tests.events_factory import recorder_in
from tests.test_incident_custody import INCIDENT, TITLE, driven_by, shared  # noqa: F401
from tests.test_team_dirs import as_account, holder_of, team  # noqa: F401
from tests.test_ui_support import _close_engines, _no_cursor_blink  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")

REASON = "shift change at 03:00"


def opened_by_root(journals: Path, locks: Path, pid: int):
    """Root's incident, mid-checklist, its lock on web held by `pid`; its recorder."""
    recorder = recorder_in(journals / INCIDENT)
    recorder.record(Kind.INCIDENT_OPENED, incident_id=INCIDENT, title=TITLE)
    recorder.record(Kind.TRIGGER_DECLARED, kind="user-impact", reason=TITLE, commander="alice")
    recorder.record(Kind.NOTE_ADDED, text="bridge open")
    SystemLocks(locks).acquire("web", holder_of(INCIDENT, pid, journals / INCIDENT))
    return recorder


def take(journals: Path, locks: Path, incident: str = INCIDENT) -> Path:
    """What the teammate's console does on r, then the reason."""
    recording = (SystemClock(), current_actor(), None)
    journal = journals / incident / "journal.jsonl"
    return take_command_recorded(journal, journals, SystemLocks(locks), REASON, recording)


def test_refused_while_the_holders_console_runs(shared) -> None:  # noqa: F811 (a fixture)
    journals, locks, account = shared
    recorder = opened_by_root(journals, locks, os.getpid())
    before = sorted(p.name for p in journals.iterdir())
    said = as_account(account, lambda: take(journals, locks))
    assert said.startswith(f"raised HandOverRefused: incident {INCIDENT}'s lock on web is held by")
    assert f"root's running process pid {os.getpid()} on " in said
    assert said.endswith(f"ask root to quit that console first; follow it meanwhile:"
                         f" rollback-console follow {INCIDENT}")  # fmt: skip
    SystemLocks(locks).release("web", holder_of(INCIDENT, os.getpid(), journals / INCIDENT))
    said = as_account(account, lambda: take(journals, locks))  # its writer still runs
    assert said.startswith(f"raised HandOverRefused: incident {INCIDENT}'s journal is being")
    assert f"written by root's console pid {os.getpid()} on " in said
    assert sorted(p.name for p in journals.iterdir()) == before  # nothing changed
    recorder.close()


def test_the_incident_goes_on_in_the_new_commanders_journal(shared) -> None:  # noqa: F811 (a fixture)
    journals, locks, account = shared
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True, timeout=30)  # fmt: skip
    opened_by_root(journals, locks, int(gone.stdout)).close()  # quit; its lock left stale
    original = (journals / INCIDENT / "journal.jsonl").read_bytes()
    output = (journals / INCIDENT / "output.jsonl").read_bytes()

    said = as_account(account, lambda: str(take(journals, locks)))
    assert said == repr(str(journals / INCIDENT / "journal.jsonl"))
    directory, kept = journals / INCIDENT, journals / f"{INCIDENT}~root"
    assert (kept / "journal.jsonl").read_bytes() == original  # theirs, as it was
    assert os.stat(kept).st_uid == 0
    assert os.stat(directory).st_uid == account.uid  # the new commander's own
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o2750
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in directory.iterdir()} == {
        "journal.jsonl": 0o640, "output.jsonl": 0o640, "writer.lock": 0o640,
    }  # fmt: skip
    journal = (directory / "journal.jsonl").read_bytes()
    assert journal.startswith(original)  # the record intact, byte for byte
    assert (directory / "output.jsonl").read_bytes() == output
    events = read_journal(directory / "journal.jsonl").events
    handed = events[-1]
    assert handed.kind == Kind.COMMANDER_HANDED_OVER and handed.who.user == account.name
    assert (handed.data.to, handed.data.previous) == (account.name, "alice")
    digest, lines = hashlib.sha256(original).hexdigest(), original.count(b"\n")
    assert handed.data.note == (
        f"{REASON} — taken over from root's journal (no console wrote it then):"
        f" {lines} events, {len(original)} bytes, sha256 {digest}, copied"
        f" whole; kept as it was at {kept / 'journal.jsonl'}"
    )
    assert fold(events).commander == account.name
    from console.journal.export import EXPORT_FORMATS

    document = EXPORT_FORMATS["markdown"].render(events, False)
    assert f"| Commander | alice, then {account.name} (from " in document
    [responders] = [line for line in document.splitlines() if "| Other responders |" in line]
    assert account.name not in responders  # the one who took command leads from there
    assert (
        f"| {account.name} | handed command over to {account.name} (from alice): {REASON}"
        in document
    )
    from console.engine.listing import list_incidents

    [listed] = list_incidents(journals, SystemLocks(locks))  # the kept copy is not listed
    assert listed.path == directory / "journal.jsonl" and listed.custody.owner == account.name


def test_the_kept_copy_is_never_written_again(shared) -> None:  # noqa: F811 (a fixture)
    from console.engine.session import Engine
    from tests.test_ui_support import demo_settings

    journals, locks, account = shared
    opened_by_root(journals, locks, os.getpid()).close()
    SystemLocks(locks).release("web", holder_of(INCIDENT, os.getpid(), journals / INCIDENT))
    as_account(account, lambda: take(journals, locks))
    kept = journals / f"{INCIDENT}~root" / "journal.jsonl"
    before = kept.read_bytes()
    engine = Engine(demo_settings(), journals, lock_dir=locks)
    with pytest.raises(JournalError) as refused:
        engine.open_existing(kept, [])
    assert str(refused.value) == (
        f"{kept}: incident {INCIDENT} was handed over and goes on in"
        f" {journals / INCIDENT / 'journal.jsonl'}; this journal is kept as it was, to read"
        f" only: rollback-console follow {INCIDENT}"
    )
    assert kept.read_bytes() == before
    theirs = (journals / INCIDENT / "journal.jsonl").read_bytes()  # handed back, again:
    engine.take_command(journals / INCIDENT / "journal.jsonl", "back from the break")
    assert (journals / f"{INCIDENT}~{account.name}" / "journal.jsonl").read_bytes() == theirs
    assert (journals / INCIDENT / "journal.jsonl").read_bytes().startswith(theirs)
    with pytest.raises(HandOverRefused, match="this account's own: resume it"):
        engine.take_command(journals / INCIDENT / "journal.jsonl", "twice")


@contextlib.asynccontextmanager
async def taking_command(journals: Path, locks: Path, reason: str):
    """This account's console at 80x24, r on the teammate's incident, `reason` typed:
    (the app, its pilot) once the incident is resumed here."""
    from console.engine.session import Engine
    from console.ui.screens.dialogs import TextPrompt
    from tests.test_ui_support import _ENGINES, ACTOR, build_app, demo_settings, until

    settings = demo_settings()
    engine = Engine(settings, journals, actor=ACTOR, lock_dir=locks, threaded_io=True)
    _ENGINES.append(engine)
    app = build_app(settings, journals, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*reason, "enter")
        await until(pilot, lambda: app.conductor is not None)
        yield app, pilot


async def test_r_on_the_home_screen_takes_command_with_a_reason(shared) -> None:  # noqa: F811 (a fixture)
    """The teammate's console was killed: r asks why, and the incident opens here, this
    account its commander."""
    from tests.test_ui_support import ACTOR

    journals, locks, account = shared
    with driven_by(account, journals, locks):
        pass  # killed: its writer and its lock on web left behind
    async with taking_command(journals, locks, REASON) as (app, _):
        state = app.conductor.state
        assert state.commander == ACTOR.login and state.incident_id == INCIDENT
        handed = next(
            e for e in app.conductor.recorder.events if e.kind == Kind.COMMANDER_HANDED_OVER
        )
        assert handed.data.note.startswith(f"{REASON} — taken over from {account.name}'s journal")
        assert ": ended): " in handed.data.note  # its console was killed
        [lock] = [e for e in app.conductor.recorder.events if e.kind == Kind.LOCK_TAKEN_OVER]
        assert lock.data.reason.startswith(
            f"incident {INCIDENT} taken over from {account.name}: {account.name}'s process (pid"
        )
    assert os.stat(journals / INCIDENT).st_uid == 0
    assert os.stat(journals / f"{INCIDENT}~{account.name}").st_uid == account.uid


def test_a_sticky_journal_dir_refuses_and_leaves_everything_as_it_was(shared) -> None:  # noqa: F811 (a fixture)
    journals, locks, account = shared
    journals.chmod(0o3770)  # sticky: nobody moves another's directory there
    opened_by_root(journals, locks, os.getpid()).close()
    SystemLocks(locks).release("web", holder_of(INCIDENT, os.getpid(), journals / INCIDENT))
    before = {p.name: p.stat().st_uid for p in journals.iterdir()}
    said = as_account(account, lambda: take(journals, locks))
    assert said == (
        f"raised HandOverRefused: {journals / INCIDENT} cannot be moved aside by this account"
        f" (Operation not permitted): the journal_dir {journals} must be the team's to write,"
        " without a sticky bit"
    )
    assert {p.name: p.stat().st_uid for p in journals.iterdir()} == before


def test_resume_take_command_refuses_in_one_line(shared, monkeypatch) -> None:  # noqa: F811 (a fixture)
    """`resume ID --take-command REASON` on one's own incident, and on a teammate's whose
    console runs and does not answer when asked (in a terminal: without one, it would
    refuse before asking): one line, exit 2, nothing opened or moved."""
    from console.cli import terminal_needed
    from tests.test_incident_custody import run_cli, team_config

    monkeypatch.setattr(terminal_needed, "needs_terminal", lambda incident=None: None)

    journals, locks, account = shared
    config = team_config(journals, locks)
    recorder = opened_by_root(journals, locks, os.getpid())
    argv = ("resume", INCIDENT, "--take-command", REASON, "--config", str(config))
    # Here first: every module it loads is loaded before the account's process starts.
    assert run_cli(*argv).splitlines()[:2] == [
        "2",
        f"error: not taken over: incident {INCIDENT} is this account's own: resume it",
    ]

    def asked_in_vain() -> str:
        handover_request.ANSWER_SECONDS = 1.0  # nothing here answers: its wait, short
        return run_cli(*argv)

    said = eval(as_account(account, asked_in_vain)).splitlines()
    assert said[:3] == [
        "2",
        f"asked the console driving incident {INCIDENT} for command: whoever is at its"
        " keyboard may keep it; waiting at most 1 s (Ctrl+C gives up)",
        f"error: not taken over: root's console (pid {os.getpid()} on {socket.gethostname()})"
        f" did not hand over command of incident {INCIDENT} within 1 s (a step runs there, or"
        f" nobody looks): follow it live (rollback-console follow {INCIDENT} --config {config})"
        " or export it, and ask again later",
    ]
    assert not (locks / f"{INCIDENT}.handover").exists()  # withdrawn
    assert sorted(p.name for p in journals.iterdir()) == [INCIDENT]
    recorder.close()


def test_resume_take_command_without_a_terminal_moves_nothing(shared) -> None:  # noqa: F811 (a fixture)
    """`resume ID --take-command REASON` from cron or a pipe, the owner's console gone: the
    hand-over's own checks pass, then it refuses in one line (exit 2) before anything is
    copied or moved: a resume with no terminal could not carry the incident on."""
    from tests.test_incident_custody import run_cli, team_config

    journals, locks, account = shared
    config = team_config(journals, locks)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True, timeout=30)  # fmt: skip
    opened_by_root(journals, locks, int(gone.stdout)).close()  # quit; its lock left stale
    before = (journals / INCIDENT / "journal.jsonl").read_bytes()
    argv = ("resume", INCIDENT, "--take-command", REASON, "--config", str(config))
    # Here first (refused: root's own): every module it loads is loaded before the
    # account's process starts (this interpreter's own library is not its to read).
    assert run_cli(*argv).splitlines()[0] == "2"

    def without_a_terminal() -> str:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)  # cron's standard input
        return run_cli(*argv)

    said = eval(as_account(account, without_a_terminal)).splitlines()
    assert said[0] == "2", said
    assert said[1].startswith("error: the console needs a terminal (standard input"), said
    assert f"nothing was opened or written; without one, watch it with rollback-console follow" \
        f" {INCIDENT} --plain" in said[1], said  # fmt: skip
    assert sorted(p.name for p in journals.iterdir()) == [INCIDENT]  # nothing moved
    assert (journals / INCIDENT / "journal.jsonl").read_bytes() == before


async def test_take_command_half_typed_is_noted_as_of_the_teammates_incident(shared) -> None:  # noqa: F811 (a fixture)
    """This console drives its own incident, and r on a teammate's (its console killed)
    had its reason half typed when the terminal closed: the note went into this incident
    as "Take command of ...: left unanswered ...", as if of it. It can be written nowhere
    else (the teammate's journal is not this account's), so it says whose it was and that
    command of it was not taken."""
    from console.engine.session import Engine
    from console.ui.screens.dialogs import TextPrompt
    from console.ui.screens.home import HomeScreen
    from tests.test_ui_picker_filter import filtered
    from tests.test_ui_support import _ENGINES, ACTOR, build_app, demo_settings, until

    journals, locks, account = shared
    with driven_by(account, journals, locks):
        pass  # killed: its writer and its lock on web left behind
    settings = demo_settings()
    engine = Engine(settings, journals, actor=ACTOR, lock_dir=locks, threaded_io=True)
    _ENGINES.append(engine)
    app = build_app(settings, journals, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await filtered(pilot, "api", "web-1")  # not web: the teammate's lock
        await pilot.press("enter", "space")
        await until(pilot, lambda: picker.host_tree.selected == {"api-1", "api-2"})
        await pilot.press("enter")
        await until(pilot, lambda: app.conductor is not None)
        while not isinstance(app.screen, HomeScreen):
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("down", "r")  # the teammate's: listed below this one's
        await until(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"shift chan")
        app.quitting.end("terminal closed (SIGHUP)", 129)
        notes = [e.data.text for e in app.conductor.recorder.events if e.kind == Kind.NOTE_ADDED]
    assert notes == [
        f"Take command of {account.name}'s incident {INCIDENT}: left unanswered when the"
        " console ended (terminal closed (SIGHUP)), so command of"
        f" {account.name}'s {INCIDENT} was not taken; typed: “shift chan”"
    ]
