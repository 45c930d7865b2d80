"""A socket that keeps what came on it first: what a host (or the proxy command before
it) said before its SSH banner, if it said anything."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

FIRST_WORDS = 200  # bytes of what a host sends first, kept to quote if it is no SSH banner


class Heard(socket.socket):
    """A socket that notes whether anything ever came on it, and the first of it: a host
    that takes the connection and never says a word is told apart from a login that
    stalls, and one that says why it closes before its SSH banner is quoted."""

    heard = False
    first = b""

    def recv(self, size: int, flags: int = 0) -> bytes:
        data = super().recv(size, flags)
        if data and not self.heard:
            self.heard, self.first = True, data[:FIRST_WORDS]
        return data

    def recv_into(self, buffer: WriteableBuffer, nbytes: int = 0, flags: int = 0) -> int:
        count = super().recv_into(buffer, nbytes, flags)
        if count and not self.heard:
            self.heard, self.first = True, bytes(memoryview(buffer)[: min(count, FIRST_WORDS)])
        return count
