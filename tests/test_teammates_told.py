"""What a teammate on the same jump host is told, in a team's journal_dir and lock_dir
(2770) and outside them, by real second accounts (a process of their own). Walked with
three accounts on a README fleet of 5 real sshd hosts: a plain `resume` of a killed
teammate's incident said "rbh129a's console goes on with it" of a console gone for
minutes, and never named --take-command; one of an incident a teammate drives said "close
that console first" of a console not this account's to close; `follow --plain` offered a
`resume` that refuses a teammate; and an account outside the team's group got an internal
error (a PermissionError) from every command, or read that the team's directory was
"root's, private to it"."""

from __future__ import annotations

import grp  # noqa: F401 (loaded before the account's process: the modules it names)
import os
import shutil
import subprocess
import sys

import pytest

from console.journal.journal_lock import JournalLock
from tests.sshd import Account, account_dir
from tests.test_handover import opened_by_root
from tests.test_incident_custody import INCIDENT, run_cli, shared, team_config  # noqa: F401
from tests.test_team_dirs import as_account, team  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")


def gone_pid() -> int:
    """A pid on this machine that no longer runs (a console that was killed)."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True, timeout=30)  # fmt: skip
    return int(gone.stdout)


def as_teammate(account: Account, *argv: str) -> str:
    """`rollback-console ARGV` as the account runs it from its own login: its exit status,
    then what it printed. Run here first, so that every module it loads is loaded before
    the account's process starts (this interpreter's library is not its to read)."""
    run_cli(*argv)
    state = account_dir(account, "state")

    def act() -> str:
        os.environ.update(HOME=str(account.home), ROLLBACK_CONSOLE_STATE=str(state))
        return run_cli(*argv)

    try:
        return eval(as_account(account, act))
    finally:
        shutil.rmtree(state)


def test_a_resume_of_a_killed_teammates_incident_names_take_command(shared) -> None:  # noqa: F811 (a fixture)
    journals, locks, account = shared
    config = team_config(journals, locks)
    opened_by_root(journals, locks, gone_pid()).close()  # killed: its lock left stale
    said = as_teammate(account, "resume", INCIDENT, "--config", str(config))
    again = f" --config {config}"
    assert said == (
        f"2\nerror: incident {INCIDENT}: root's incident; nothing writes it now. This account"
        " may take command of it (r on the home screen, or"
        f" rollback-console resume {INCIDENT} --take-command REASON{again}), with a reason"
        f" that is recorded, or follow it live (rollback-console follow {INCIDENT}{again})"
        " or export it.\n"
    )
    assert sorted(p.name for p in journals.iterdir()) == [INCIDENT]  # nothing moved


def test_a_resume_of_an_incident_a_teammate_drives_says_whose_not_close_it(shared) -> None:  # noqa: F811 (a fixture)
    journals, locks, account = shared
    config = team_config(journals, locks)
    recorder = opened_by_root(journals, locks, os.getpid())  # root's console, running
    said = as_teammate(account, "resume", INCIDENT, "--config", str(config))
    assert said.startswith(f"2\nerror: incident {INCIDENT}: root's incident; written by root's")
    assert said.endswith(
        " UTC: running. Read-only for this account while root's console runs: follow it live"
        f" (rollback-console follow {INCIDENT} --config {config}) or export it; ask that console"
        f" for command (r on the home screen, or rollback-console resume {INCIDENT}"
        f" --take-command REASON --config {config}): whoever is at it may keep it.\n"
    ), said
    # Any other writer (undo, verify's note, exec --journal) is told whose console it is.
    journal = journals / INCIDENT / "journal.jsonl"
    said = as_account(account, lambda: JournalLock.check(journal, INCIDENT))
    assert said.startswith(f"raised JournalInUse: incident {INCIDENT}'s journal is being written")
    assert said.endswith(
        "nothing was written here; that console is root's: ask it for command first"
        f" (rollback-console resume {INCIDENT} --take-command REASON --config {config}), or"
        f" watch it read-only meanwhile: rollback-console follow {journals / INCIDENT} --config"
        f" {config}"
    ), said
    recorder.close()


def test_follow_plain_offers_a_teammate_the_take_command_that_carries_it_on(shared) -> None:  # noqa: F811 (a fixture)
    from console.headless.follow import _left_open
    from console.journal.store import read_journal
    from console.model.state import fold

    journals, locks, account = shared
    opened_by_root(journals, locks, gone_pid()).close()
    directory = journals / INCIDENT
    state = fold(read_journal(directory / "journal.jsonl").events)
    ended = "rollback-console pid 1 (root on jump) ended"
    assert _left_open(state, ended, False, directory).endswith(f"resume {directory}")  # root's
    said = as_account(account, lambda: _left_open(state, ended, False, directory))
    assert said == repr(
        f"! nobody drives this incident now: {ended}. To carry it on: rollback-console resume"
        f" {directory} --take-command REASON"
    )


def test_an_account_outside_the_teams_group_is_told_so_in_one_line(shared) -> None:  # noqa: F811 (a fixture)
    """The team's configuration, known_hosts and journals shared with a group this
    account is not in (root's here): one line naming the file and whose it is, exit 2."""
    from console.cli.common import existing_journal

    journals, locks, account = shared
    top = journals.parent.parent  # every account may pass through it
    config = team_config(journals, locks)
    private = top / "team-config"
    shutil.copytree(config, private)
    private.chmod(0o750)  # root:root: the team's group would read it, this account cannot
    assert as_teammate(account, "list", "--config", str(private)) == (
        f"2\nerror: {private}: cannot be read by this account (root:root, mode 750)\n"
    )

    keys = top / "team-keys"
    keys.mkdir(mode=0o750)
    (keys / "known_hosts").write_text("")
    inventory = config / "inventory.toml"
    text = inventory.read_text()
    old = '# known_hosts = "~/.ssh/known_hosts"'
    assert old in text
    inventory.write_text(text.replace(old, f'known_hosts = "{keys / "known_hosts"}"', 1))
    said = as_teammate(account, "check-config", str(config))
    assert said.startswith("2\n"), said
    assert (
        f"inventory.toml:{text[: text.index(old)].count(chr(10)) + 1}: ssh.known_hosts:"
        f" {keys / 'known_hosts'} cannot be read by this account: Permission denied\n"
    ) in said, said
    assert "internal error" not in said

    others = top / "other-team"
    others.mkdir()
    others.chmod(0o2770)  # root:root
    (others / INCIDENT).mkdir()
    (others / INCIDENT / "journal.jsonl").write_text("")
    said = as_account(account, lambda: existing_journal(str(others / INCIDENT), None))
    assert said == (
        f"raised UsageError: {others / INCIDENT}: not readable by this"
        f" account: {others} is root's, shared with group root (mode 2770), which this"
        " account is not in"
    )


async def test_the_resume_dates_the_killed_console_by_its_own_last_event(shared) -> None:  # noqa: F811 (a fixture)
    """The account's console was killed (its lock on web left, its process gone); r on
    the home screen takes command: "Before this resume, ... its last event was written at"
    names the killed console's last event, not the hand-over this account wrote as it took
    command (a killed console seemed to have written minutes after it died)."""
    import socket

    from console.journal.store import read_journal
    from console.journal.times import utc
    from console.model.events import Kind
    from tests.events_factory import recorder_in
    from tests.test_handover import taking_command
    from tests.test_ui_support import until

    journals, locks, account = shared
    pid = gone_pid()

    def killed() -> str:  # on a fixed clock, in the past
        recorder = recorder_in(journals / INCIDENT)
        recorder.record(Kind.INCIDENT_OPENED, incident_id=INCIDENT, title="checkout errors")
        recorder.record(Kind.LOCK_ACQUIRED, systems=["web"], pid=pid, host=socket.gethostname())
        recorder.record(Kind.NOTE_ADDED, text="restore under way")
        recorder.close()
        return "written"

    assert as_account(account, killed) == repr("written")
    last = read_journal(journals / INCIDENT / "journal.jsonl").events[-1]
    async with taking_command(journals, locks, "their console was killed") as (app, pilot):
        await until(pilot, lambda: any(n.title == "Resumed" for n in app._notifications))
        [notice] = [n.message for n in app._notifications if n.title == "Resumed"]
        handed = next(
            e for e in app.conductor.recorder.events if e.kind == Kind.COMMANDER_HANDED_OVER
        )
    assert notice == (
        f"Before this resume, rollback-console pid {pid} ({last.who.user} on"
        f" {socket.gethostname()}) ended without closing it or letting go (killed, or"
        f" crashed); its last event was written at {utc(last.ts)}."
    )
    assert utc(handed.ts) != utc(last.ts)


def test_inits_console_toml_names_the_team_directories(shared) -> None:  # noqa: F811 (a fixture)
    """A team writes its configuration from `init`: console.toml names journal_dir and
    lock_dir and how a team shares them (it named journal_dir alone), and a teammate's
    `list` reads the team's journals with its two lines uncommented."""
    journals, locks, account = shared
    config = journals.parent.parent / "team-init"
    assert run_cli("init", str(config)).startswith("0\n")
    console = config / "console.toml"
    text = console.read_text()
    for key, directory in (("journal_dir", "incidents"), ("lock_dir", "locks")):
        line = f'# {key} = "~/.local/state/rollback-console/{directory}"'
        assert line in text, text
        text = text.replace(line, f'{key} = "{journals if key == "journal_dir" else locks}"')
    assert "mode 2770" in text
    console.write_text(text)
    for path in (config, *config.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert as_teammate(account, "list", "--config", str(config)) == (
        f"0\nno incidents in {journals}\n"
    )
