"""An incident directory whose journal is empty (seen on a real sshd fleet: `exec` on a
full journal disk could not write the incident's opening, and left the directory): its
resume wrote 'incident.resumed' into it as seq 0 and opened the declaration screen, and
the console's last line began 'None: open at step 1 of 9'. It is refused in one line,
nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from console.paths import demo_config


def test_resuming_an_empty_journal_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    incident = tmp_path / "incidents" / "20261204-031829-3a48"
    incident.mkdir(parents=True)
    journal = incident / "journal.jsonl"
    journal.write_bytes(b"")
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    done = subprocess.run(
        [sys.executable, "-m", "console", "resume", str(incident), "--config", str(demo_config())],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2, (done.stdout[-500:], done.stderr)
    assert done.stderr == (
        f"error: {journal}: no incident was recorded here (its opening never reached the"
        " disk: the disk was full, or its process ended first); nothing to resume\n"
    )
    assert journal.read_bytes() == b""
