"""The rollback document for the export screen, rendered by `rollback-console export` in a
child process: the console's interpreter never renders it (in a thread it held the lock
the UI loop needs for seconds at 100,000 events: bench/RESULTS.md, issue 18), and the
screen shows what the command line exports, byte for byte. The child reads the journal's
first N events, the journal as the screen saw it when it asked; the loop reads back only
the preview's first lines and counts the rest."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import console
from console.journal.store import make_dirs

# The preview shows the document's first lines only: a widget holding all of a 100,000-event
# document (tens of MB as JSON) is laid out and mounted on the UI loop, for seconds.
PREVIEW_LINES = 400
CHUNK = 1 << 16  # read from the child at a time: one short loop turn each


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

    def argv(self, output: Path | None = None) -> list[str]:
        """The export command of this document, to stdout or into `output`."""
        argv = [sys.executable, "-m", "console", "export", str(self.journal.resolve())]
        argv += ["--format", self.format, "--first", str(self.count)]
        if self.starred:
            argv.append("--starred-only")
        if output is not None:
            argv += ["-o", str(output)]
        return argv


@dataclass(frozen=True)
class Preview:
    """The document's first PREVIEW_LINES lines (`head`), how many lines it has, and
    whether anything follows the head."""

    head: str
    lines: int
    cut: bool


class Children:
    """The export children running, each ended (and its unfinished files removed) when
    its request is superseded or cancelled, or when the screen goes away (the app quits)."""

    def __init__(self) -> None:
        self._running: dict[asyncio.subprocess.Process, Path | None] = {}

    async def _start(self, argv: list[str], output: Path | None) -> asyncio.subprocess.Process:
        # The same code as this console, whichever way it was started (an editable
        # install, a checkout on PYTHONPATH); UTF-8 on stdout as in a file, whatever the locale.
        root = str(Path(console.__file__).resolve().parent.parent)
        path = os.environ.get("PYTHONPATH")
        env = {
            **os.environ,
            "PYTHONPATH": root + (os.pathsep + path if path else ""),
            "PYTHONIOENCODING": "utf-8",
        }
        child = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if output is None else asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        self._running[child] = output.parent if output is not None else None
        return child

    async def preview(self, render: Render) -> Preview:
        """The document's head and its line count, as the command line prints it."""
        child = await self._start(render.argv(), None)
        assert child.stdout is not None and child.stderr is not None
        errors = asyncio.ensure_future(child.stderr.read())  # read beside: never a full pipe
        try:
            preview = await _head(child.stdout)
            await _ended(child, await errors)
            return preview
        finally:
            errors.cancel()
            self._end(child)

    async def write(self, render: Render) -> int:
        """Write the document to `render.path` (0600, parents made 0700), renamed into
        place once complete; returns its size. Cancelled, or ended with the screen, it
        leaves nothing behind: the child writes into a directory of its own beside the
        target, removed whatever happens."""
        assert render.path is not None
        target = render.path
        make_dirs(target.parent)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        child = None
        try:
            child = await self._start(render.argv(staging / target.name), staging / target.name)
            assert child.stderr is not None
            await _ended(child, await child.stderr.read())
            os.replace(staging / target.name, target)
            return target.stat().st_size
        finally:
            if child is not None:
                self._end(child)
            shutil.rmtree(staging, ignore_errors=True)

    def _end(self, child: asyncio.subprocess.Process) -> None:
        staging = self._running.pop(child, None)
        if child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)

    @property
    def running(self) -> list[asyncio.subprocess.Process]:
        """The children not ended yet, oldest first."""
        return list(self._running)

    def end_all(self) -> None:
        """End every child now (synchronous: the app may be quitting)."""
        for child in list(self._running):
            self._end(child)


async def _head(stream: asyncio.StreamReader) -> Preview:
    """The first PREVIEW_LINES lines of what `stream` gives, and how many lines it has:
    the rest is counted as it comes, never held."""
    head = bytearray()
    lines = rest = 0
    while chunk := await stream.read(CHUNK):
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
    return Preview(head.decode("utf-8", errors="replace"), lines, rest > 0)


async def _ended(child: asyncio.subprocess.Process, errors: bytes) -> None:
    """Wait for the child; a failure is its last line (the command line's one-line error)."""
    if await child.wait():
        said = errors.decode("utf-8", errors="replace").strip().splitlines()
        raise ExportFailed(said[-1] if said else f"the export ended with status {child.returncode}")
