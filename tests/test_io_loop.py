"""SSH I/O on a loop of its own: results, streamed output, cancellation and shutdown."""

import asyncio
import threading

import pytest

from console.engine.io_loop import InlineIo, IoThread
from console.engine.ssh import SshPool
from console.engine.targets import targets_for


async def forever(began: threading.Event, cancelled: threading.Event) -> None:
    """Waits an hour; says when it began and when it was cancelled."""
    began.set()
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        cancelled.set()
        raise


async def test_a_call_runs_on_the_io_thread_and_returns_its_result():
    io = IoThread()
    try:

        async def where() -> int:
            await asyncio.sleep(0)
            return threading.get_ident()

        assert await io.call(where()) != threading.get_ident()
    finally:
        await io.close()


async def test_an_exception_reaches_the_caller_as_itself():
    io = IoThread()
    try:

        async def fail() -> None:
            raise KeyError("web-1")

        with pytest.raises(KeyError, match="web-1"):
            await io.call(fail())
    finally:
        await io.close()


async def test_forwarded_output_arrives_in_order_on_the_callers_thread_before_the_result():
    io = IoThread()
    seen: list[tuple[int, int]] = []
    caller = threading.get_ident()
    try:
        emit = io.forward(lambda n: seen.append((n, threading.get_ident())))

        async def stream() -> int:
            for n in range(500):
                emit(n)
                if n % 50 == 0:
                    await asyncio.sleep(0.001)
            return len(seen)  # read on the I/O thread: the caller has not drained yet

        await io.call(stream())
        assert [n for n, _ in seen] == list(range(500))
        assert {thread for _, thread in seen} == {caller}
    finally:
        await io.close()


async def test_cancelling_the_caller_cancels_the_work_on_the_io_loop():
    io = IoThread()
    started, cancelled = threading.Event(), threading.Event()
    try:
        task = asyncio.create_task(io.call(forever(started, cancelled)))
        assert await asyncio.to_thread(started.wait, 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(cancelled.wait, 5)
    finally:
        await io.close()


async def test_close_stops_the_thread_and_cancels_what_is_left():
    io = IoThread()
    began, left = threading.Event(), threading.Event()
    await io.call(asyncio.sleep(0))
    thread, loop = io._thread, io._loop
    assert thread is not None and thread.is_alive()
    loop.call_soon_threadsafe(lambda: loop.create_task(forever(began, left)))
    assert await asyncio.to_thread(began.wait, 5)
    await io.close()
    assert not thread.is_alive()
    assert left.is_set()


async def test_inline_io_is_the_callers_own_loop():
    io = InlineIo()
    seen: list[int] = []
    io.forward(seen.append)(1)

    async def where() -> int:
        return threading.get_ident()

    assert await io.call(where()) == threading.get_ident()
    assert seen == [1]


@pytest.mark.parametrize("threaded", [False, True], ids=["inline", "threaded"])
async def test_output_that_cannot_be_journalled_stops_the_caller(demo, tmp_path, threaded):
    pool = SshPool(demo.settings.inventory.ssh, threaded)
    seen: list[str] = []

    def journal_full(stream: str, lines: list[str]) -> None:
        seen.extend(lines)
        raise OSError(28, "No space left on device")

    try:
        (target,) = targets_for(demo.settings.inventory, ["web-1"])
        with pytest.raises(OSError, match="No space left"):
            await pool.execute(target, "echo one; echo two", 10, journal_full, "h")
        assert seen == ["one", "two"] or seen == ["one"]  # then nothing more is delivered
    finally:
        await pool.close()
