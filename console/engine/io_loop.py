"""Where SSH I/O runs: on the caller's event loop, or on a loop of its own in a thread.

The console's UI must answer a key within a frame while 200 hosts stream output; the
decryption, packet parsing and channel dispatch of 200 SSH connections saturated the
UI's loop. `IoThread` moves all of that to a second loop in a daemon thread. Results
come back as awaited futures, and streamed output through one coalescing mailbox per
caller loop, so the caller (and the journal's state fold) stays single-threaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
JOIN_SECONDS = 5.0


class Relay:
    """Output from the I/O side to a callback; the callback's first failure (a journal
    that cannot be written) is kept for the caller to raise, not lost in an event loop."""

    def __init__(self, callback: Callable[..., None]):
        self.callback = callback
        self.failure: Exception | None = None

    def __call__(self, *args: Any) -> None:
        if self.failure is None:
            try:
                self.callback(*args)
            except Exception as exc:  # kept, and raised by the caller
                self.failure = exc


class InlineIo:
    """SSH I/O on the caller's own loop: the headless commands, where nothing else waits."""

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return await coro

    def forward(self, callback: Callable[..., None]) -> Callable[..., None]:
        return callback

    async def close(self) -> None:
        """Nothing to stop."""


class _Mailbox:
    """Calls posted from the I/O thread, run on the caller's loop: one wake-up per burst."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: deque[tuple[Callable[..., None], tuple[Any, ...]]] = deque()
        self.lock = threading.Lock()
        self.scheduled = False

    def post(self, callback: Callable[..., None], args: tuple[Any, ...]) -> None:
        self.queue.append((callback, args))
        with self.lock:
            if self.scheduled:
                return
            self.scheduled = True
        with contextlib.suppress(RuntimeError):  # the caller's loop has closed
            self.loop.call_soon_threadsafe(self.drain)

    def drain(self) -> None:
        with self.lock:
            self.scheduled = False
        while self.queue:
            callback, args = self.queue.popleft()
            callback(*args)


class IoThread:
    """A second event loop, in a daemon thread started on first use, for SSH I/O."""

    def __init__(self, name: str = "ssh-io"):
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._mailboxes: dict[asyncio.AbstractEventLoop, _Mailbox] = {}

    def _start(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
            self._thread.start()
        return self._loop

    def _main(self) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the I/O loop and await its result here; cancelling the caller
        cancels it there. Output it forwarded before it returned has been delivered."""
        future = asyncio.run_coroutine_threadsafe(coro, self._start())
        try:
            return await asyncio.wrap_future(future)
        finally:
            self._flush()

    def forward(self, callback: Callable[..., None]) -> Callable[..., None]:
        """`callback`, callable from the I/O thread, run on the current (caller's) loop."""
        loop = asyncio.get_running_loop()
        mailbox = self._mailboxes.get(loop)
        if mailbox is None:
            mailbox = self._mailboxes[loop] = _Mailbox(loop)

        def post(*args: Any) -> None:
            mailbox.post(callback, args)

        return post

    def _flush(self) -> None:
        """Deliver now what is queued for the caller's (the running) loop."""
        mailbox = self._mailboxes.get(asyncio.get_running_loop())
        if mailbox is not None:
            mailbox.drain()

    async def close(self) -> None:
        """Stop the loop (its remaining tasks are cancelled) and join the thread."""
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join, JOIN_SECONDS)
