"""A ProxyCommand run as OpenSSH runs it: under the user's shell, in a session of its
own, its stdin and stdout one end of a socket pair the SSH connection runs on, its stderr
read aside, and a SIGHUP when the connection closes, as ssh sends on its way out.

`ssh` shows what the command prints on stderr (`Host key verification failed.`, `ssh:
connect to host ... Connection refused`); the console keeps its last words to say why a
host behind it could not be reached. asyncssh's own proxy_command fed that stderr into
the SSH stream as if the host had said it, so a bastion that refused read 'disconnected
during login: Connection lost', and asyncio's child watcher, racing the transport that
reaped the command, printed 'Unknown child process pid N' on the terminal.

A login its bastion drops before its banner (sshd past its MaxStartups, at random once 10
are pending by default) is tried again (engine/login_drops.py): nothing was sent, the
inner ssh never had the bastion's banner.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import Sequence

from console.engine.heard import Heard

SAID = 400  # characters of the command's stderr kept: its last words
ENDED = 2.0  # seconds a failed command is given to exit, once its stderr is closed
_POLL = 0.05  # seconds between looks at a command hung up on, REAP times at most
_REAP = 100


# What an inner `ssh` says when the sshd it dials drops it before its banner (MaxStartups).
_DROPPED = ("Connection closed by remote host", "read: Connection reset by peer")


def dropped(said: str) -> bool:
    """`said` is an inner ssh's, dropped before the SSH banner of the host it dialled."""
    return said.startswith("kex_exchange_identification:") and any(d in said for d in _DROPPED)


DROPPED = "its bastion dropped the login of its proxy command"


class ProxyCommand:
    """One proxy command, started; `sock` is the connection's end of it."""

    def __init__(self, argv: Sequence[str]) -> None:
        ours, theirs = socket.socketpair()
        read_fd, write_fd = os.pipe()
        try:
            self.process: subprocess.Popen[bytes] = subprocess.Popen(
                list(argv),
                stdin=theirs.fileno(),
                stdout=theirs.fileno(),
                stderr=write_fd,
                start_new_session=True,
            )
        except BaseException:
            ours.close()
            os.close(read_fd)
            raise
        finally:
            theirs.close()
            os.close(write_fd)
        self.sock = _ProxySocket(ours.family, ours.type, ours.proto, ours.detach())
        self.sock.setblocking(False)
        self.sock.proxy = self
        self._stderr = b""
        self._closed = asyncio.Event()
        self._fd = read_fd
        self._loop = asyncio.get_running_loop()
        os.set_blocking(read_fd, False)
        self._loop.add_reader(read_fd, self._read)
        self._hung_up = False

    def _read(self) -> None:
        try:
            data = os.read(self._fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self._stderr = (self._stderr + data)[-4 * SAID :]
            return
        self._loop.remove_reader(self._fd)
        os.close(self._fd)
        self._closed.set()
        self.process.poll()

    def said(self) -> str:
        """Its stderr so far, one line: each line of it stripped, the last SAID characters."""
        text = self._stderr.decode("utf-8", "replace")
        words = " ".join(line.strip() for line in text.splitlines() if line.strip())
        return words if len(words) <= SAID else "…" + words[-SAID:]

    async def ended(self) -> int | None:
        """Its exit status once its stderr is closed and it has exited, ENDED s at most
        (None: still running)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(ENDED):
                await self._closed.wait()
                for _ in range(int(ENDED / _POLL)):
                    if self.process.poll() is not None:
                        break
                    await asyncio.sleep(_POLL)
        return self.process.poll()

    def hang_up(self) -> None:
        """The connection closed: SIGHUP, as ssh sends it, then reaped (SIGKILL after
        REAP looks), so no command outlives its connection, nor stays a zombie."""
        if self._hung_up:
            return
        self._hung_up = True
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGHUP)
        self._reap(_REAP)

    def _reap(self, left: int) -> None:
        if self.process.poll() is not None or left < 0:
            return
        if left == 0:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()  # then one last look, which reaps it
        with contextlib.suppress(RuntimeError):  # the loop closed: the process is ours no more
            self._loop.call_later(_POLL, self._reap, left - 1)


async def end_all(proxies: set[ProxyCommand] | None, seconds: float) -> None:
    """The console's connections closed: each proxy command still running is hung up on,
    given `seconds` in all, then killed and reaped, so none outlives the console. A
    headless run ended before the command's own reaping came (SIGKILL after 5 s), and one
    that ignored SIGHUP ran on after the console."""
    if not proxies:
        return
    running = [p for p in proxies if p.process.poll() is None]
    proxies.clear()
    for proxy in running:
        proxy.hang_up()
    for _ in range(max(1, int(seconds / _POLL))):
        if all(p.process.poll() is not None for p in running):
            return
        await asyncio.sleep(_POLL)
    for proxy in running:
        if proxy.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proxy.process.kill()
            proxy.process.wait()  # killed: at once


class _ProxySocket(Heard):
    """The connection's end of the pair: closing it hangs up on the command."""

    proxy: ProxyCommand

    def close(self) -> None:
        super().close()
        self.proxy.hang_up()
