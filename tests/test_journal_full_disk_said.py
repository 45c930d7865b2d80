"""After a journal stopped on a full disk, the readers say so, not 'killed, or crashed':
`list`, `follow --plain`, and the console resumed once there is room. Seen: `list` read
'rollback-console run pid 5830 (root on vm) ended without closing it or letting go
(killed, or crashed)' of a run that had ended itself, saying why, on a full disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from console.engine.session import Engine
from console.model.events import Kind
from console.ui.resume_record import ended_by
from tests.test_journal_full_disk import FREE, SIZE, small_disk  # noqa: F401 (a fixture)
from tests.test_ui_support import demo_settings

RUN = [
    *("run", "--demo", "--systems", "web", "--strategy", "version-rollback"),
    *("--trigger", "user-impact", "--reason", "full disk", "--yes"),
]


def _console(state: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)},
        timeout=timeout,
    )


def test_list_and_resume_say_the_journal_could_not_be_written(small_disk):  # noqa: F811
    state = small_disk / "state"  # the demo's journals and locks on the small disk
    (small_disk / "filler").write_bytes(b"\0" * (SIZE - FREE))
    done = _console(state, *RUN)
    assert done.returncode == 1 and "error: the journal stopped: " in done.stderr, done.stderr
    (journal,) = (state / "demo-incidents").glob("*/journal.jsonl")
    listed = _console(state, "list", "--demo")
    assert listed.returncode == 0, listed.stderr
    (left,) = [ln.strip() for ln in listed.stdout.splitlines() if "Left open:" in ln]
    assert "killed, or crashed" not in left, left
    assert "stopped: its journal could not be written: " in left, left
    assert ": cannot be written: No space left on device (at " in left, left
    assert left.endswith(
        "; nothing was recorded or sent after that: once there is room, resume it."
    ), left
    followed = subprocess.Popen(
        [sys.executable, "-m", "console", "follow", "--plain", str(journal.parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)},
    )
    try:
        said = _said_until(followed, b"stopped: its journal could not be written: ")
    finally:
        followed.kill()
        followed.wait(timeout=30)
    assert b"killed, or crashed" not in said, said
    # Room again: the resume records why the run before stopped, and says it.
    (small_disk / "filler").unlink()
    engine = Engine(demo_settings(), state / "demo-incidents")
    conductor = engine.resume(journal)
    try:
        (resumed,) = [e for e in conductor.recorder.events if e.kind == Kind.INCIDENT_RESUMED]
        assert ": cannot be written: No space left on device (at " in (resumed.data.stopped or "")
        before = ended_by(conductor.recorder.events) or ""
        assert " stopped: its journal could not be written: " in before, before
        assert before.endswith("; nothing was recorded or sent after that"), before
    finally:
        conductor.recorder.close()


def _said_until(process: subprocess.Popen, text: bytes, limit: int = 600) -> bytes:
    """What `process` printed until `text` (read from its raw fd, bounded)."""
    import select

    assert process.stdout is not None
    fd, seen = process.stdout.fileno(), b""
    for _ in range(limit):
        if text in seen:
            return seen
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
    raise AssertionError(f"{text!r} not said: {seen[-2000:]!r}")
