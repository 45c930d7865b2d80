"""The journal's readers open its files as its writer does: never through a symbolic link,
never a FIFO (whose open waits for a writer that never comes), never a file of another
account than its directory's. Seen: a FIFO planted as an incident's journal.jsonl in the
journal_dir held `rollback-console list` for ever, and the home screen (its drill
schedule read every journal the same way: the console never drew its first frame); a link there listed another incident under this one's directory, twice; a
FIFO as a teammate's writer.lock held the hand-over (r, then the reason) for ever. Each
is now one line: `list` says the journal it did not list and why, the hand-over is
refused naming the file, nothing copied or taken."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.journal.lock import SystemLocks
from tests.test_handover import opened_by_root, take
from tests.test_incident_custody import INCIDENT, shared  # noqa: F401
from tests.test_team_dirs import start_as, team  # noqa: F401

REPO = Path(__file__).resolve().parent.parent
ANSWER_WITHIN = 60.0  # seconds: a reader that waits on a FIFO never answers


def test_list_says_a_planted_fifo_or_link_and_lists_the_rest(tmp_path: Path) -> None:
    config = tmp_path / "config"
    subprocess.run(
        [sys.executable, "-m", "console", "init", str(config)],
        check=True, capture_output=True, timeout=60, cwd=REPO,
    )  # fmt: skip
    journals = tmp_path / "journals"
    (config / "console.toml").write_text(
        f'journal_dir = "{journals}"\nlock_dir = "{tmp_path}/locks"\n'
    )
    from console.model.events import Kind
    from tests.events_factory import recorder_in

    recorder = recorder_in(journals / "20261206-050000-real")
    recorder.record(Kind.INCIDENT_OPENED, incident_id="20261206-050000-real", title="the real one")
    recorder.close()
    fifo, link = journals / "20261206-050001-fifo", journals / "20261206-050002-link"
    fifo.mkdir()
    os.mkfifo(fifo / "journal.jsonl")
    link.mkdir()
    (link / "journal.jsonl").symlink_to(journals / "20261206-050000-real" / "journal.jsonl")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    listed = subprocess.run(
        [sys.executable, "-m", "console", "list", "--config", str(config)],
        capture_output=True, text=True, timeout=ANSWER_WITHIN, cwd=REPO, env=env,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr.splitlines() == [
        f"warning: {fifo}/journal.jsonl: not listed: not a regular file (a device or a pipe)",
        f"warning: {link}/journal.jsonl: not listed: a symbolic link, not the file itself",
    ]
    listed_first = [line for line in listed.stdout.splitlines() if line.startswith("2026")]
    assert [line.split()[0] for line in listed_first] == ["20261206-050000-real"], listed.stdout
    assert "the real one" in listed.stdout
    status = subprocess.run(  # the home screen's drill schedule reads them too
        [sys.executable, "-m", "console", "drill", "--status", "--config", str(config)],
        capture_output=True, text=True, timeout=ANSWER_WITHIN, cwd=REPO, env=env,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert sorted(status.stderr.splitlines()) == [
        f"warning: {fifo}/journal.jsonl cannot be read (not a regular file (a device or a"
        " pipe)): a drill it records is not counted; repair it, or move it out of the"
        " incidents directory",
        f"warning: {link}/journal.jsonl cannot be read (a symbolic link, not the file"
        " itself): a drill it records is not counted; repair it, or move it out of the"
        " incidents directory",
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")
def test_a_fifo_as_a_teammates_writer_lock_is_refused_not_waited_on(shared) -> None:  # noqa: F811
    journals, locks, account = shared
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True, timeout=30)  # fmt: skip
    opened_by_root(journals, locks, int(gone.stdout)).close()  # quit; its lock left stale
    lock = journals / INCIDENT / "writer.lock"
    lock.unlink()
    os.mkfifo(lock)
    before = sorted(p.name for p in journals.iterdir())
    pid, read = start_as(account, lambda: repr(take(journals, locks)))
    ready, _, _ = select.select([read], [], [], ANSWER_WITHIN)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    with os.fdopen(read) as pipe:
        said = pipe.read() if ready else "no answer: waiting on the FIFO"
    os.waitpid(pid, 0)
    assert said == (
        f"raised HandOverRefused: {lock}: not a regular file (a device or a pipe): refused,"
        " nothing copied or taken; the console makes it as a file of the incident's account"
    )
    assert sorted(p.name for p in journals.iterdir()) == before  # nothing moved
    assert SystemLocks(locks).held()  # nor its lock taken
