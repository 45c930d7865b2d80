"""`verify ID` after another incident took the closed incident's kept lock over, on a real
OpenSSH sshd. The close kept app's lock for app-2 (its outcome unknown); an `exec` took it
over with a reason, ran on app-2 and let it go. The verify by hand then found the change
made and said nothing of that `exec`: the take-over, noted beside the lock for the closed
incident (never resumed, so never read), stayed there, and the finding read as the closed
incident's doing. It must say so first, in its journal (`lock.lost`, `of` the closed
incident) and in the note it leaves in the closed incident; so must a later verify after
an earlier one kept the lock again and that was taken over."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.payloads import LockLost
from console.model.state import fold
from tests.test_close_keeps_locks import two_systems
from tests.test_verify_closed import close_and_quit, last_note

pytestmark = pytest.mark.sshd


def _exec_taking_over(fleet, reason: str) -> str:
    """`exec` on app-2 that takes app's stale lock over; its incident id."""
    done = fleet.cli(
        "exec", "--take-over-lock", reason, "--systems", "app", "--hosts", "app-2", "true"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [line] = [line for line in done.stderr.splitlines() if "took over the stale lock" in line]
    return line


def _lost(journal: Path) -> list[LockLost]:
    events = read_journal(journal).events
    return [e.payload(LockLost) for e in events if e.kind == Kind.LOCK_LOST]


def test_verify_says_the_closed_incidents_lock_was_taken_over_since(sshd_server, tmp_path):
    fleet, journal = two_systems(sshd_server, tmp_path)
    incident = fold(read_journal(journal).events).incident_id
    close_and_quit(fleet, journal)
    locks = fleet.state / "locks"
    took = _exec_taking_over(fleet, "finishing app-2 by hand")
    assert f"of incident {incident} on app: finishing app-2 by hand; released" in took, took
    assert (locks / "app.lock.taken").exists() and not (locks / "app.lock").exists()
    [execd] = [p.name for p in (fleet.state / "incidents").iterdir()]

    # Still under way: the verify keeps the lock again; it says the exec was there first.
    first = fleet.cli("verify", str(journal.parent))
    assert first.returncode == 4, first.stdout + first.stderr
    said = [line for line in first.stderr.splitlines() if line.startswith("verify: lock on")]
    assert len(said) == 1, first.stderr
    assert said[0].startswith(
        f"verify: lock on app kept by incident {incident} taken over by incident {execd} ("
    ), said
    assert said[0].endswith(
        ", reason “finishing app-2 by hand”, after it closed: its hosts may have been changed"
        " since, and what this verify finds there may be that incident's doing; read its record"
    ), said
    assert first.stderr.index(said[0]) < first.stderr.index("verify: noted in incident")
    assert not (locks / "app.lock.taken").exists()  # read once, journalled: not said again
    incidents = fleet.state / "incidents"
    [made] = [p / "journal.jsonl" for p in incidents.iterdir() if p.name != execd]
    [lost] = _lost(made)
    assert (lost.of, lost.by.get("incident"), lost.reason) == (
        incident,
        execd,
        "finishing app-2 by hand",
    ), lost
    note = last_note(journal).text
    assert note.endswith(said[0].removeprefix("verify: ")), note

    # The first verify kept the lock again; another exec takes it over from that verify,
    # then app-2 finishes: the second verify names the take-over of the first one's lock.
    took = _exec_taking_over(fleet, "second look")
    assert f"of incident {made.parent.name} on app: second look" in took, took
    (fleet.sandboxes["app-2"] / "slow").unlink()
    second = fleet.cli("verify", str(journal.parent))
    assert second.returncode == 0, second.stdout + second.stderr
    assert (
        f"verify: lock on app kept by incident {made.parent.name} taken over by incident"
    ) in second.stderr, second.stderr
    assert "reason “second look”, after it closed" in second.stderr, second.stderr
    assert not (locks / "app.lock.taken").exists() and not (locks / "app.lock").exists()


def test_a_verify_taking_the_kept_lock_over_itself_says_no_loss(sshd_server, tmp_path):
    """Its own take-over, noted for the closed incident as any is, is no lock lost: read
    and removed, never said."""
    fleet, journal = two_systems(sshd_server, tmp_path)
    close_and_quit(fleet, journal)
    (fleet.sandboxes["app-2"] / "slow").unlink()
    done = fleet.cli("verify", str(journal.parent), "--take-over-lock", "its console quit")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verify: lock on" not in done.stderr, done.stderr
    assert "verify: took over the stale lock of incident" in done.stderr, done.stderr
    assert not (fleet.state / "locks" / "app.lock.taken").exists()
    [made] = list((fleet.state / "incidents").iterdir())
    assert _lost(made / "journal.jsonl") == []
