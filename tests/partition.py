"""A TCP forwarder to a server on loopback that hides the client's disappearance: when
the client's side closes (a console killed, say), the server's side stays open, as if
the network between them had been cut. sshd then never learns the session is lost.
Held, it forwards nothing until released: a host still being reached (a slow route)."""

from __future__ import annotations

import asyncio
import contextlib
import threading


class Partition:
    """Forwards 127.0.0.1:`port` (ephemeral) to 127.0.0.1:`target`; closes everything
    only when it is closed itself."""

    def __init__(self, target: int, held: bool = False):
        self.target = target
        self.port = 0
        self.held = 0  # connections accepted and held, not forwarded yet
        self._gate = asyncio.Event()
        if not held:
            self._gate.set()
        self._loop = asyncio.new_event_loop()
        self._writers: list[asyncio.StreamWriter] = []
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> Partition:
        self._thread.start()
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._forward, "127.0.0.1", 0), self._loop
        ).result(timeout=10)
        self._server = server
        self.port = server.sockets[0].getsockname()[1]
        return self

    def release(self) -> None:
        """Held connections (and those after) reach the server from now on."""
        self._loop.call_soon_threadsafe(self._gate.set)

    async def _forward(self, client_r, client_w) -> None:
        if not self._gate.is_set():
            self.held += 1
            await self._gate.wait()
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target)
        self._writers += [client_w, server_w]

        async def up() -> None:
            while data := await client_r.read(65536):
                server_w.write(data)
                await server_w.drain()
            # The client is gone: say nothing to the server, keep its side open.

        async def down() -> None:
            while data := await server_r.read(65536):
                with contextlib.suppress(Exception):  # the client may be gone: drop it
                    client_w.write(data)
                    await client_w.drain()

        await asyncio.gather(up(), down(), return_exceptions=True)

    def __exit__(self, *exc) -> None:
        async def close() -> None:
            self._server.close()
            for writer in self._writers:
                writer.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
