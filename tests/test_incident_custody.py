"""Whose an incident is, in a team's journal_dir and lock_dir (2770, as the README shares
them), seen by a teammate: the home screen's list and `rollback-console list` name the
account, the process writing it (running, or ended: killed), since when, the locks that
name it, and say that it is read-only here and how to follow it. Seen on a jump host with
two real accounts: the teammate's home screen listed the other's open incident with no
owner, and r on it answered with a lock refusal."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.engine.listing import list_incidents
from console.journal.lock import Holder, SystemLocks
from console.model.events import Kind
from tests.sshd import Account
from tests.test_refirings_sshd import fleet, set_values  # noqa: F401 (a fixture)
from tests.test_team_dirs import as_account, team  # noqa: F401 (a fixture)
from tests.test_ui_support import _close_engines, _no_cursor_blink  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")

INCIDENT = "20261204-030000-ab12"
TITLE = "checkout errors up 40%"


@contextlib.contextmanager
def driven_by(
    account: Account | None,
    journals: Path,
    locks: Path,
    system: str = "web",
    program: str = "rollback-console",
    hosts: int = 1,
) -> Iterator[int]:
    """The account's process (None: this one's, root) holding an open incident (its
    journal written, its writer lock and the lock of system web held) until the block
    ends; yields its pid. Then it is killed, as a console is by `kill -KILL`: nothing let
    go. `program`: what it is (a console, or `rollback-console run`); `hosts`: how many
    hosts of the system it picked."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never back into pytest
        try:
            os.close(read)
            if account is not None:
                os.setgroups([])
                os.setgid(account.gid)
                os.setuid(account.uid)
            from datetime import UTC, datetime

            from console.journal import journal_lock
            from tests.events_factory import recorder_in

            journal_lock.PROGRAM[0] = program
            recorder = recorder_in(journals / INCIDENT)
            recorder.record(Kind.INCIDENT_OPENED, incident_id=INCIDENT, title=TITLE)
            recorder.record(
                Kind.SYSTEMS_SELECTED,
                systems=[system],
                hosts={f"{system}-{n}": system for n in range(1, hosts + 1)},
            )
            since = datetime.now(UTC).isoformat(timespec="seconds")
            user = account.name if account is not None else "root"
            me = Holder(os.getpid(), user, os.uname().nodename, since, INCIDENT)
            SystemLocks(locks).acquire(system, me)
            os.write(write, b"ready")
            signal.pause()
        finally:
            os._exit(1)
    os.close(write)
    with os.fdopen(read) as pipe:
        assert pipe.read(5) == "ready"
    try:
        yield pid
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


@pytest.fixture
def shared(team) -> tuple[Path, Path, Account]:  # noqa: F811 (the imported fixture)
    """A team's journal_dir and lock_dir, both 2770 of the test account's group; root is
    the teammate here (it is not the account's, so it reads them as another account)."""
    top, account = team
    journals, locks = top / "journals", top / "locks"
    for directory in (journals, locks):
        directory.mkdir()
        os.chown(directory, 0, account.gid)
        directory.chmod(0o2770)
    return journals, locks, account


def test_a_teammates_open_incident_is_listed_as_theirs_running_then_ended(shared) -> None:
    journals, locks, account = shared
    with driven_by(account, journals, locks) as pid:
        [summary] = list_incidents(journals, SystemLocks(locks))
        custody = summary.custody
        assert custody is not None and custody.owner == account.name and not custody.mine
        whose = custody.whose(closed=False)
        assert whose.startswith(
            f"{account.name}'s incident; written by {account.name}'s console pid {pid} on "
        )
        assert whose.endswith(" UTC: running")
        [lock] = custody.lock_lines()
        assert lock.startswith(f"lock web: {account.name} pid {pid} on ")
        assert lock.endswith(": running")
        assert custody.can(INCIDENT, closed=False) == (
            f"Read-only for this account while {account.name}'s console runs: follow it live"
            f" (rollback-console follow {INCIDENT}) or export it; ask that console for command"
            f" (r on the home screen, or rollback-console resume {INCIDENT} --take-command"
            " REASON): whoever is at it may keep it."
        )
    [summary] = list_incidents(journals, SystemLocks(locks))  # killed: nothing let go
    assert summary.custody.whose(closed=False).startswith(f"{account.name}'s incident; last")
    assert summary.custody.whose(closed=False).endswith(" UTC: ended")
    assert summary.custody.lock_lines()[0].endswith(": stale, its process gone")
    assert summary.custody.can(INCIDENT, closed=False) == (
        f"{account.name}'s console has ended: this account may take command of it (r on the"
        f" home screen, or rollback-console resume {INCIDENT} --take-command REASON), with a"
        f" reason that is recorded, or follow it live (rollback-console follow {INCIDENT}) or"
        " export it."
    )


def test_a_writer_that_let_go_is_named_by_nobody(shared) -> None:
    from tests.events_factory import recorder_in

    journals, locks, _ = shared
    recorder = recorder_in(journals / INCIDENT)
    recorder.record(Kind.INCIDENT_OPENED, incident_id=INCIDENT, title=TITLE)
    [summary] = list_incidents(journals, SystemLocks(locks))
    assert summary.custody.mine and summary.custody.writer.pid == os.getpid()
    recorder.close()
    [summary] = list_incidents(journals, SystemLocks(locks))
    assert summary.custody.whose(closed=False) == "root's incident; nothing writes it now"
    # with the command that does it (`list` said "This account may resume it.", no more)
    said = f"This account may resume it (rollback-console resume {INCIDENT})."
    assert summary.custody.can(INCIDENT, closed=False) == said
    assert summary.custody.can(INCIDENT, False, ("f", "r")) == "This account may resume it (r)."


def team_config(journals: Path, locks: Path, source: str = "example") -> Path:
    """The example configuration (no host is dialled here), or the demo's (`source`: the
    console's hosts, for an asker who takes command), with the team's directories,
    readable by every account."""
    config = journals.parent / "config"
    shutil.copytree(Path(__file__).parent.parent / "config" / source, config)
    (config / "console.toml").write_text(f'journal_dir = "{journals}"\nlock_dir = "{locks}"\n')
    for path in (config, *config.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return config


def run_cli(*argv: str) -> str:
    """The command's exit status, then what it printed (stdout and stderr together)."""
    from console.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = main(list(argv))
    return f"{status}\n{out.getvalue()}"


def test_the_list_command_says_whose_as_the_teammate_reads_it(shared) -> None:
    """`rollback-console list` run by the teammate (the account here, in a process of its
    own), the incident root's and driven by this very process."""
    from tests.events_factory import recorder_in

    journals, locks, account = shared
    config = team_config(journals, locks)
    recorder = recorder_in(journals / INCIDENT)
    recorder.record(Kind.INCIDENT_OPENED, incident_id=INCIDENT, title=TITLE)

    def listed() -> str:
        return run_cli("list", "--config", str(config))

    # Here first, as root, whose it is: every module the command loads is loaded before
    # the account's process starts (this interpreter's own library is not its to read).
    assert listed().splitlines()[2].endswith(" UTC: running")
    lines = eval(as_account(account, listed)).splitlines()  # the repr of what it printed
    assert lines[:2] == ["0", f"{INCIDENT}  open  {TITLE}"]
    assert lines[2].startswith(f"  root's incident; written by root's console pid {os.getpid()}")
    assert lines[2].endswith(" UTC: running")
    assert lines[3] == (
        f"  Read-only for this account while root's console runs: follow it live"
        f" (rollback-console follow {INCIDENT} --config {config}) or export it; ask that"
        f" console for command (r on the home screen, or rollback-console resume {INCIDENT}"
        f" --take-command REASON --config {config}): whoever is at it may keep it."
    )
    recorder.close()


async def test_the_home_screen_says_whose_and_that_it_is_read_only_here(shared) -> None:
    from textual.widgets import DataTable, Static

    from console.engine.session import Engine
    from console.ui.screens.dialogs import TextPrompt
    from tests.test_ui_support import _ENGINES, ACTOR, build_app, demo_settings, until

    journals, locks, account = shared
    settings = demo_settings()
    engine = Engine(settings, journals, actor=ACTOR, lock_dir=locks, threaded_io=True)
    _ENGINES.append(engine)
    with driven_by(account, journals, locks) as pid:
        app = build_app(settings, journals, engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            table = app.screen.query_one("#incidents", DataTable)
            assert [str(c.label) for c in table.columns.values()] == [
                "Incident", "Title", "By", "Outcome", "Age",
            ]  # fmt: skip
            assert str(table.get_row_at(0)[2]) == account.name
            said = str(app.screen.query_one("#incident-custody", Static).render())
            assert said.startswith(
                f"{account.name}'s incident; written by {account.name}'s console pid {pid} on"
            )
            assert f"lock web: {account.name} pid {pid} on " in said
            assert "Read-only for this account while " in said
            assert said.endswith(
                f"Read-only for this account while {account.name}'s console runs: follow it"
                " live (f) or export it; ask that console for command (r): whoever is at it"
                " may keep it."
            )
            await pilot.press("r")  # not a resume: it would ask that console, and says so
            await until(pilot, lambda: isinstance(app.screen, TextPrompt))
            assert (
                app.screen.title_text == f"Ask {account.name}'s console for command of {INCIDENT}"
            )
            await pilot.press("escape")  # nothing asked, nothing opened
            await until(pilot, lambda: not isinstance(app.screen, TextPrompt))
            assert app.conductor is None and not (locks / f"{INCIDENT}.handover").exists()
    app = build_app(settings, journals, engine)
    async with app.run_test(size=(80, 24)) as pilot:  # killed since: its process has ended
        await pilot.pause()
        said = str(app.screen.query_one("#incident-custody", Static).render())
        assert "UTC: ended\n" in said and ": stale, its process gone\n" in said


@pytest.mark.sshd
async def test_a_firing_where_a_teammates_console_drives_says_r_asks_for_command(
    shared,
    fleet,  # noqa: F811 (the imported fixture)
) -> None:
    """On a real sshd fleet at 80x24, error-rate fired on app while the account's console
    drove an incident there; the teammate's banner read 'Incident ID is open on app: r
    resumes it', and r asks that console for command."""
    from console.engine.session import Engine
    from console.model.loading import load_settings
    from console.ui.app import make_app
    from tests.test_ui_support import _ENGINES, ACTOR, until, until_shown

    journals, locks, account = shared
    settings = load_settings(fleet.config)
    engine = Engine(settings, journals, actor=ACTOR, lock_dir=locks, threaded_io=True)
    _ENGINES.append(engine)
    with driven_by(account, journals, locks, system="app"):
        app = make_app(settings, engine, incident_id="20261204-031000-cd34", check_reach=False)
        async with app.run_test(size=(80, 24)) as pilot:
            set_values(fleet, error_rate="0.3")
            await until(pilot, lambda: app.live.proposal is not None)
            said = (
                f"Incident {INCIDENT} is open on app, driven by {account.name}'s console: r"
                " asks for command, then ^t merges this firing as evidence"
            )
            await until_shown(pilot, "#alert", said)
            assert f"app, driven by {account.name}'s console (on the home screen r asks for" in (
                app.live.proposal.why
            )


RUN = "rollback-console run"


@pytest.mark.sshd
@pytest.mark.parametrize("own", [False, True], ids=["teammates-run", "own-run"])
async def test_a_firing_where_a_headless_run_drives_says_r_waits_and_r_does(
    shared,
    fleet,  # noqa: F811 (the imported fixture)
    own: bool,
) -> None:
    """Real sshd fleet, 80x24: error-rate fired on app while a headless run drove an
    incident there, the teammate's, or this account's own. The banner read 'r asks for
    command' of the teammate's run (r then asked it, which never answers, and waited a
    minute), and 'r resumes it' of the own one (r then refused): it says what r does, and
    r does it (Custody.r_does, one answer)."""
    from console.engine.session import Engine
    from console.model.loading import load_settings
    from console.ui.app import make_app
    from tests.test_ui_support import _ENGINES, ACTOR, toasts_once, until, until_shown

    journals, locks, account = shared
    settings = load_settings(fleet.config)
    engine = Engine(settings, journals, actor=ACTOR, lock_dir=locks, threaded_io=True)
    _ENGINES.append(engine)
    driver, whose = (None, "root") if own else (account, account.name)
    with driven_by(driver, journals, locks, system="app", program=RUN):
        app = make_app(settings, engine, incident_id="20261204-031000-cd34", check_reach=False)
        app.NOTIFICATION_TIMEOUT = 600
        async with app.run_test(size=(80, 24)) as pilot:
            set_values(fleet, error_rate="0.3")
            await until(pilot, lambda: app.live.proposal is not None)
            then = "resumes it" if own else "takes command of it"
            said = (
                f"Incident {INCIDENT} is open on app, driven by {whose}'s {RUN}: f follows it;"
                f" once it has ended, r {then}, then ^t merges this firing as evidence"
            )
            await until_shown(pilot, "#alert", said)
            await pilot.press("r")  # nothing asked, opened or taken: said why
            [(_, told)] = await toasts_once(pilot, "Not resumed: read-only")
            assert f"written by {whose}'s {RUN} pid " in told
            assert "Read-only" in told and "follow it live (f)" in told
            assert type(app.screen).__name__ == "HomeScreen" and app.conductor is None
