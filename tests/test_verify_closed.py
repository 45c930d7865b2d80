"""`verify ID`: the verify by hand of the hosts a closed incident left unknown, on a real
OpenSSH sshd. `run --journal DIR` leaves app-2 unknown (its verify finds the change still
under way, exit 75); a process resumes the incident, closes it (app's lock kept for
app-2) and exits, as a console that quit. Then `verify` runs the step's own verify there
(the very command the run sent), takes the kept lock over, keeps it again while app-2 is
still under way, releases it once app-2 answered, and notes each finding in the closed
incident; it refuses, in one line, what it cannot verify."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

from console.engine.session import Engine
from console.journal.lock import Holder, SystemLocks
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.outcome import Outcome
from console.model.payloads import CommandIntent, NoteAdded
from console.model.state import fold
from console.ui.widgets.mode_banner import ModeBanner
from tests.cli_fleet import Fleet
from tests.folded import too_wide
from tests.test_close_keeps_locks import run_on, two_systems
from tests.test_resume_closed_unknown import resumed
from tests.test_ui_support import demo_settings

pytestmark = pytest.mark.sshd

# app-2's verify (tests/test_cli_run_sshd.py): exit 75 while `slow` is there.
UNDER_WAY = 'if [ -f slow ]; then echo "still migrating" >&2; exit 75; fi; grep -q 2.4.0 release'

# The close, by the engine's own code, in a process of its own that then exits.
CLOSE = """
import asyncio, sys
from pathlib import Path
from console.engine.session import Engine
from console.model.loading import load_settings
from console.model.outcome import Outcome

engine = Engine.build(load_settings(Path(sys.argv[1])))
conductor = engine.resume(Path(sys.argv[2]))
conductor.close(Outcome.ABORTED, "wrong fleet", confirmed=True)
asyncio.run(engine.close())
"""


def second_made(verifying: Path, first: Path) -> Path:
    """The journal of the verify by hand that ran after `first`."""
    [made] = [p / "journal.jsonl" for p in verifying.iterdir() if p != first.parent]
    return made


def close_and_quit(fleet: Fleet, journal: Path) -> None:
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)}
    argv = [sys.executable, "-c", CLOSE, str(fleet.config), str(journal)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def intents(journal: Path, host: str) -> list[CommandIntent]:
    return [
        e.payload(CommandIntent)
        for e in read_journal(journal).events
        if e.kind == Kind.COMMAND_INTENT and e.where.host == host
    ]


def last_note(journal: Path) -> NoteAdded:
    events = read_journal(journal).events
    assert events[-1].kind == Kind.NOTE_ADDED, [e.kind for e in events[-3:]]
    return events[-1].payload(NoteAdded)


async def test_once_verified_the_banner_says_what_was_found(sshd_server, tmp_path: Path) -> None:
    """Resumed after `verify` answered for app-2, the closed incident's banner and notice
    say what it found (and by which incident), not the command to run again."""
    fleet, journal = two_systems(sshd_server, tmp_path)
    close_and_quit(fleet, journal)
    (fleet.sandboxes["app-2"] / "slow").unlink()
    done = fleet.cli("verify", str(journal.parent), "--take-over-lock", "its console quit")
    assert done.returncode == 0, done.stdout + done.stderr
    [made] = [p.name for p in (fleet.state / "incidents").iterdir()]
    async with resumed(fleet.config, journal) as (app, _, said):
        found = f"verified by hand in incident {made}: app-2 succeeded"
        assert f"Outcome unknown on app-2 at the close: {found}" in said, said
        banner = str(app.screen.query_one(ModeBanner).render())
        assert found in banner and "rollback-console verify" not in banner, banner


def test_verify_runs_the_steps_verify_on_the_hosts_left_unknown(
    sshd_server, tmp_path: Path
) -> None:
    fleet, journal = two_systems(sshd_server, tmp_path)
    incident = fold(read_journal(journal).events).incident_id
    assert incident
    locks = fleet.state / "locks"

    # Still open, its console gone: the verify is V's, in that incident (it was refused,
    # naming resume then V); here it shows what it would send.
    still_open = fleet.cli("verify", str(journal.parent), "--dry-run")
    assert still_open.returncode == 0, still_open.stdout + still_open.stderr
    assert "### app-2 verify of 'restore'" in still_open.stdout, still_open.stdout

    close_and_quit(fleet, journal)
    closed = fold(read_journal(journal).events)
    assert closed.unknown_at_close == ["app-2"] and (locks / "app.lock").exists()
    # What the run sent to app-2 as the step's verify: what `verify` must send again.
    [ran] = [i.command for i in intents(journal, "app-2") if i.stage == "verify"]
    workdir = shlex.quote(str(fleet.sandboxes["app-2"]))
    assert ran == f"cd -- {workdir} || exit 97\n{UNDER_WAY}", ran

    # Refused, one line each, exit 2: no such incident, a host it did not leave unknown.
    nowhere = fleet.cli("verify", "20200101-000000-abcd")
    assert nowhere.returncode == 2 and nowhere.stderr.count("\n") == 1, nowhere.stderr
    assert nowhere.stderr.startswith("error: 20200101-000000-abcd: no incident of that id")
    other = fleet.cli("verify", incident, "--hosts", "app-1")
    assert other.returncode == 2, other.stderr
    assert other.stderr == (
        f"error: --hosts app-1: not left unknown by incident {incident} (unknown at its"
        " close: app-2)\n"
    )
    # Its lock is stale: taken over with a reason only. The id finds the incident, though
    # journalled with --journal: through the lock file, which names its journal.
    stale = fleet.cli("verify", incident)
    assert stale.returncode == 3, stale.stdout + stale.stderr
    assert f"Incident {incident} was closed with the outcome unknown on app-2" in stale.stderr
    assert f"as the verify by hand does: rollback-console verify {incident} --take-over-lock" in (
        stale.stderr
    )
    dry = fleet.cli("verify", incident, "--dry-run")
    assert dry.returncode == 0 and f"### app-2 verify of 'restore'\n{ran}\n" in dry.stdout, dry
    assert not too_wide(dry.stdout, ("#",)), dry.stdout  # its heading was 84 columns

    # Still under way on app-2: not verified; the lock kept again; the finding noted.
    first = fleet.cli("verify", incident, "--take-over-lock", "its console has quit")
    assert first.returncode == 4, first.stdout + first.stderr
    assert "app-2: not verified: " in first.stdout, first.stdout
    assert (locks / "app.lock").exists()
    verifying = fleet.state / "incidents"
    [made] = [p / "journal.jsonl" for p in verifying.iterdir()]
    assert [i.command for i in intents(made, "app-2")] == [ran]  # as sent by the run
    assert fold(read_journal(made).events).verifies == str(journal.parent.resolve())
    note = last_note(journal).text
    assert note.startswith(f"verify by hand, incident {made.parent.name} (journal {made}):")
    assert "app-2: not verified: still under way on the host: still migrating" in note, note
    assert note.endswith("lock on app kept again: verify again once the change has finished")
    again = (
        f"rollback-console verify {journal.parent.resolve()} --take-over-lock REASON"
        f" --config {fleet.config}"
    )
    assert first.stderr.splitlines()[-1].endswith(again), first.stderr
    # Another incident there is told how it goes: the verify by hand of the first one.
    refused = run_on(fleet, "app", fleet.state / "second")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert f"(a verify by hand of incident {journal.parent.resolve()})" in refused.stderr
    assert again in refused.stderr, refused.stderr

    # Finished: verified, the lock released, the finding noted in the closed incident.
    (fleet.sandboxes["app-2"] / "slow").unlink()
    second = fleet.cli("verify", str(journal.parent), "--take-over-lock", "checked again")
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.splitlines()[-1] == (
        "app-2: verified: succeeded (the step's verify found the change made)"
    ), second.stdout
    assert not (locks / "app.lock").exists()
    assert (
        f"verify: took over the stale lock of incident {made.parent.name} on app: checked"
        " again; released at its end"
    ) in second.stderr, second.stderr
    note = last_note(journal)
    assert note.amendment and "app-2: verified: succeeded" in note.text, note
    assert note.text.endswith("lock on app released"), note.text
    after = fold(read_journal(journal).events)
    assert after.closed and after.unknown_at_close == ["app-2"]  # its outcome as it closed
    assert after.verified_by_hand["app-2"].startswith("verified: succeeded"), after
    # The rollback document says so: its summary said the lock was still held and how to
    # take it over, its facts nothing of the verify (seen in an export on a README fleet).
    document = fleet.cli("export", str(journal.parent), "--format", "markdown").stdout
    found = "app-2: verified: succeeded (the step's verify found the change made)"
    verifier = f"incident {second_made(verifying, made).parent.name}"
    assert (
        "so the lock on app was kept past the close, until the verify by hand"
        f" ({verifier}) found {found}, and let go of it."
    ) in document, document
    assert f"| Verified by hand after the close | {found} ({verifier}) |" in document, document

    # A closed incident that left nothing unknown, and a step with no verify command.
    cart = run_on(fleet, "cart", fleet.state / "cart")
    assert cart.returncode == 0, cart.stdout + cart.stderr
    settled = fleet.cli("verify", str(fleet.state / "cart"))
    assert settled.returncode == 2 and "left no host unknown at its close" in settled.stderr
    strategies = fleet.config / "strategies.toml"
    data = tomllib.loads(strategies.read_text())
    del data["strategies"][0]["commands"]["verify"]
    strategies.write_text(tomli_w.dumps(data))
    none = fleet.cli("verify", str(journal.parent), "--take-over-lock", "x")
    assert none.returncode == 2 and none.stderr.count("\n") == 1, none.stderr
    assert "strategy 'flip' has no verify command" in none.stderr, none.stderr
    assert (
        "check it by hand with a command that tells whether the change was made there:"
        " rollback-console exec --take-over-lock REASON --systems app --hosts app-2"
        f" --config {fleet.config} 'COMMAND'"
    ) in none.stderr, none.stderr


def test_a_lock_file_naming_another_incidents_journal_is_not_followed(tmp_path: Path) -> None:
    """An id is found through a lock file only where the journal it names is that
    incident's: `verify` appends a note to what it finds."""
    engine = Engine(demo_settings(), tmp_path / "elsewhere")
    other = engine.new_incident("another incident", incident_id="20261203-000000-aaaa")
    other.close(Outcome.ABORTED, "not this one")
    other.recorder.close()
    state = tmp_path / "state"
    holder = Holder(999_999, "alice", socket.gethostname(), "earlier", "20261203-000000-bbbb")
    SystemLocks(state / "demo-locks").acquire(
        "web", holder._replace(journal=str(other.recorder.path))
    )
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)}
    argv = [sys.executable, "-m", "console", "verify", "--demo", "20261203-000000-bbbb"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: 20261203-000000-bbbb: no incident of that id"), done
    assert len(read_journal(other.recorder.path).events) == len(other.recorder.events)  # untouched
