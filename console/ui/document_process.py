"""The rollback document for the export screen, rendered by `rollback-console export` in a
child process: the console's interpreter never renders it (in a thread it held the lock
the UI loop needs for seconds at 100,000 events: bench/RESULTS.md, issue 18), and the
screen shows what the command line exports, byte for byte. The child reads the journal's
first N events, the journal as the screen saw it when it asked, and writes the document
to a file; the loop reads back only the preview's first lines and counts the rest."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import console
from console.journal.files import make_dirs, replaceable

# The preview shows the document's first lines only: a widget holding all of a 100,000-event
# document (tens of MB as JSON) is laid out and mounted on the UI loop, for seconds.
PREVIEW_LINES = 400
CHUNK = 1 << 20  # read back at a time: a turn of the loop of ~1 ms
# The child's niceness above the console's: on a busy machine it waits for a CPU before
# the UI thread does, not the other way round (the export screen's late turns at 100,000
# events were the UI thread waiting for a CPU while the child rendered: bench/RESULTS.md).
CHILD_NICE = 10
REAP_SECONDS = 5.0  # at most, for a killed child to be reaped (it dies at once)


class ExportFailed(Exception):
    """The child could not render or write the document; the message is its last line."""


@dataclass(frozen=True, eq=False)
class Render:
    """One document asked for: the journal's first `count` events (as many as it held when
    it was asked), in `format`; written to `path` if one is given."""

    journal: Path
    count: int
    format: str
    starred: bool
    path: Path | None = None

    def argv(self, output: Path) -> list[str]:
        """The export command writing this document into `output`: the program as
        installed (`-P`: never a `console` package in the directory the console was
        started in, which `-m` would import first)."""
        argv = [sys.executable, "-P", "-m", "console", "export", str(self.journal.resolve())]
        argv += ["--format", self.format, "--first", str(self.count), "-o", str(output)]
        if self.starred:
            argv.append("--starred-only")
        return argv


@dataclass(frozen=True)
class Preview:
    """The document's first PREVIEW_LINES lines (`head`), how many lines it has, and
    whether anything follows the head."""

    head: str
    lines: int
    cut: bool


class Children:
    """The export children running, each ended when its request is superseded or
    cancelled; when the screen goes away (the app quits), each is ended and the directory
    it writes into removed at once."""

    def __init__(self) -> None:
        self._running: dict[asyncio.subprocess.Process, Path] = {}  # its staging directory

    async def _run(self, render: Render, staging: Path, name: str) -> None:
        """Have a child write the document into `staging`/`name`; it fails with the
        child's last line."""
        # The same code as this console, whichever way it was started (an editable
        # install, a checkout on PYTHONPATH).
        root = str(Path(console.__file__).resolve().parent.parent)
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}
        # Its errors go to a file beside the document, not a pipe: with no pipe, its
        # transport is closed the moment it is reaped (a pipe not read to its end left it
        # open; met by the garbage collector after the loop had closed, its __del__ said
        # "Event loop is closed").
        errors = staging / f"{name}.stderr"
        with errors.open("wb") as sink:
            child = await asyncio.create_subprocess_exec(
                *render.argv(staging / name),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=sink,
                env=env,
            )
        self._running[child] = staging
        with contextlib.suppress(OSError):  # ended already, or a system without priorities
            os.setpriority(
                os.PRIO_PROCESS, child.pid, os.getpriority(os.PRIO_PROCESS, 0) + CHILD_NICE
            )
        try:
            await _ended(child, errors)
        finally:
            await _reaped(child)  # still listed meanwhile: end_all waits for it too
            self._running.pop(child, None)

    async def preview(self, render: Render) -> Preview:
        """The document's head and its line count, as the command line writes it. The
        child writes the file (a pipe woke the loop for every 8 KB it was given: ~5 s of
        the UI thread's CPU for a 60 MB JSON document); the loop reads it back a MB a turn."""
        staging = Path(tempfile.mkdtemp(prefix="rollback-export-"))
        try:
            await self._run(render, staging, "document")
            return await _head(staging / "document")
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    async def write(self, render: Render) -> int:
        """Write the document to `render.path` (0600, parents made 0700), renamed into
        place once complete; returns its size. Cancelled, or ended with the screen, it
        leaves nothing behind: the child writes into a directory of its own beside the
        target, removed whatever happens."""
        assert render.path is not None
        target = render.path
        replaceable(target)
        make_dirs(target.parent)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            await self._run(render, staging, target.name)
            os.replace(staging / target.name, target)
            return target.stat().st_size
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @property
    def running(self) -> list[asyncio.subprocess.Process]:
        """The children not ended yet, oldest first."""
        return list(self._running)

    async def end_all(self) -> None:
        """End every child and remove what it wrote, now, then reap them (the app may be
        quitting: its workers' cleanup may not run before its loop ends)."""
        ending = list(self._running.items())
        self._running.clear()
        for child, staging in ending:
            _kill(child)
            shutil.rmtree(staging, ignore_errors=True)
        for child, _ in ending:
            await _reaped(child)


def _kill(child: asyncio.subprocess.Process) -> None:
    """SIGKILL, never reaping it: `Process.kill` first polls (waitpid), and on a child
    already dead it took the status asyncio's watcher waits for, which then said 255 and
    logged "Unknown child process pid" to stderr, over the screen. asyncio reaps it."""
    if child.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)


async def _reaped(child: asyncio.subprocess.Process) -> None:
    """Kill the child if it runs, then reap it (at once: it is dead), before the loop
    may end."""
    _kill(child)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(child.wait(), REAP_SECONDS)


async def _head(path: Path) -> Preview:
    """The first PREVIEW_LINES lines of the file, and how many lines it has: read a chunk
    a loop turn, the rest counted, never held."""
    head = bytearray()
    lines = rest = 0
    with path.open("rb") as document:
        while chunk := document.read(CHUNK):
            found = chunk.count(b"\n")
            if lines >= PREVIEW_LINES:
                rest += len(chunk)
            else:
                head += chunk
                if lines + found >= PREVIEW_LINES:
                    end = -1
                    for _ in range(PREVIEW_LINES):
                        end = head.find(b"\n", end + 1)
                    rest += len(head) - end - 1
                    del head[end + 1 :]
            lines += found
            await asyncio.sleep(0)
    return Preview(head.decode("utf-8", errors="replace"), lines, rest > 0)


async def _ended(child: asyncio.subprocess.Process, errors: Path) -> None:
    """Wait for the child; a failure is its last line on stderr (the command line's
    one-line error)."""
    if await child.wait():
        said = errors.read_text("utf-8", errors="replace").strip().splitlines()
        raise ExportFailed(said[-1] if said else f"the export ended with status {child.returncode}")
