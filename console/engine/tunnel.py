"""A jump host's connection as asyncssh's `tunnel=`, keeping what it opened, and saying
why the way to a host behind it was never opened when the jump host is the one to blame."""

from __future__ import annotations

from typing import Any

import asyncssh

from console.engine.failures import HostFailure
from console.engine.heard import FIRST_WORDS
from console.model.status import FailureClass


class Tunnelled:
    """The connection to `jump` as asyncssh's `tunnel=`, keeping the connection opened
    through it: whether the host behind it sent its SSH banner before it closed, and what
    it said first (sshd: 'Exceeded MaxStartups')."""

    def __init__(self, conn: asyncssh.SSHClientConnection, jump: str) -> None:
        self._conn, self._jump = conn, jump
        self._opened: Any = None  # the SSHClientConnection, as its session
        self.first = b""

    async def create_connection(self, factory: Any, host: str, port: int) -> Any:
        def heard_first() -> Any:
            opened = factory()
            received = opened.data_received

            def data_received(data: bytes, datatype: Any = None) -> None:
                if not self.first:
                    self.first = bytes(data[:FIRST_WORDS])
                received(data, datatype)

            opened.data_received = data_received
            return opened

        chan, session = await self._conn.create_connection(heard_first, host, port)
        self._opened = session
        return chan, session

    def heard(self) -> bool:
        """True unless the connection opened and its host never sent its banner."""
        opened = self._opened
        return opened is None or opened.get_extra_info("server_version") is not None

    def not_opened(self, exc: Exception, where: str, seconds: float) -> HostFailure | None:
        """Why the way to `where` was never opened, when the jump host is to blame: our
        connection to it closed under the request (asyncssh says 'SSH connection closed'
        in the jump host's place: its keepalives went unanswered, or it closed), or no
        answer to the request within the deadline; None when the way was opened, or the
        jump host answered the request itself (its own words classify it)."""
        if self._opened is not None:
            return None
        if isinstance(exc, asyncssh.ChannelOpenError):
            if not self._conn.is_closed():
                return None
            return HostFailure(
                FailureClass.UNREACHABLE,
                f"the connection to jump host {self._jump} was lost before it opened the way"
                f" to {where}, nothing sent: the jump host stopped answering (its keepalives"
                " went unanswered) or closed the connection",
            )
        return HostFailure(
            FailureClass.UNREACHABLE,
            f"jump host {self._jump} did not open the way to {where} within {seconds:g} s,"
            f" nothing sent: the jump host is not answering (stalled, overloaded), or gets"
            f" no answer from {where} itself",
        )
