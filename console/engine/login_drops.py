"""Logins an sshd dropped before its banner (past its MaxStartups), tried again.

Nothing was sent: the client never had the banner. A login its bastion drops (a proxy
command's ssh), or the host's own sshd drops (`Exceeded MaxStartups`, or closed unheard), is
tried again RETRIES times at most, after a pause that doubles. Each dial keeps how many
were dropped where (`Drops`), and says them with what it made: the connection's first
use (a command, the picker's SSH check), or its failure. Before, a host's own sshd past
MaxStartups read unreachable at once, though up; and a bastion's drops were kept by the
host's name, so the command after a check that had them was recorded with them.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from console.engine.failures import HostFailure
from console.model.status import FailureClass

T = TypeVar("T")

RETRIES = 3  # times a dropped login is tried again
PAUSE = 0.25  # seconds before the first retry (a quarter to three quarters more, at random)

# Where a dial's logins were dropped, and how many times: `PROXY` (the bastion its proxy
# command logs in to), `SSHD` (the host's own sshd), or `jump host ALIAS` (the jump host's
# own login, on the way).
Drops = dict[str, int]
PROXY, SSHD = "proxy", "sshd"


def at_jump_host(alias: str) -> str:
    return f"jump host {alias}"


class Dropped(HostFailure):
    """A login dropped before the banner by `by` (PROXY or SSHD): nothing was sent. Its
    detail is `lead` + `why`; tried for the last time, it says how many times it was."""

    def __init__(self, by: str, lead: str, why: str):
        super().__init__(FailureClass.UNREACHABLE, lead + why)
        self.by, self.lead, self.why = by, lead, why

    def last(self, times: int) -> HostFailure:
        said = f"{self.lead} {times} times, tried again after a pause each time{self.why}"
        return HostFailure(self.failure, said)


async def retried(login: Callable[[], Awaitable[T]], drops: Drops) -> T:
    """`login()`, tried again after a pause where an sshd dropped it, RETRIES times at
    most; `drops` gains how many times, and where, before the last try (one that went
    through, or failed for another cause). The last drop raises HostFailure, saying how
    many times it was dropped (then they are its own words, not in `drops`)."""
    tried = 0
    while True:
        try:
            return await login()
        except Dropped as drop:
            if tried == RETRIES:  # said by its failure: not counted again
                drops.pop(drop.by, None)
                raise drop.last(tried + 1) from None
            drops[drop.by] = drops.get(drop.by, 0) + 1
            await asyncio.sleep(PAUSE * 2**tried * random.uniform(1, 1.75))
            tried += 1
