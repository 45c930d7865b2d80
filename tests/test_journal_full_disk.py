"""A journal whose disk fills up mid-rollback, on a real filesystem (a small tmpfs): the
record stops, nothing is sent after it, and the one line printed says so and how to go
on. It read 'error: internal error: OSError: [Errno 28] No space left on device (a bug:
please report it ...)'."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.journal.terminal_line import console_line
from console.model.events import Kind

SIZE = 256 * 1024
FREE = 30 * 1024  # the incident's first events fit; the rollback step's do not


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if made.returncode:
        pytest.skip(f"no tmpfs to fill here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_stops_the_record_and_the_sending_and_says_how_to_go_on(small_disk, tmp_path):
    (small_disk / "filler").write_bytes(b"\0" * (SIZE - FREE))
    journal = small_disk / "incident"
    argv = [
        sys.executable, "-m", "console", "run", "--demo", "--systems", "web",
        "--strategy", "version-rollback", "--trigger", "user-impact",
        "--reason", "full disk", "--yes", "--journal", str(journal),
    ]  # fmt: skip
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)

    assert done.returncode == 1, done.stderr
    [said] = done.stderr.strip().splitlines()
    assert said == (
        f"error: the journal stopped: {journal / 'journal.jsonl'}: cannot be written: No space"
        " left on device; nothing more was sent to any host, and a host whose command was"
        " sent with no outcome on record reads unknown: free the space, then"
        f" rollback-console resume {journal}"
    ), said
    # Every command shown as sent has its intent on disk (written ahead), the torn tail
    # of the line that did not fit set aside when read.
    events = read_journal(journal).events
    written = {line for e in events for line in console_line(e).splitlines()}
    sent = [ln for ln in done.stdout.splitlines() if " sent " in ln]
    assert sent and all(ln in written for ln in sent), sent
    assert any(e.kind == Kind.COMMAND_INTENT for e in events)
