"""Whether each host answers over SSH now: connected, logged in, and ran `true`.

The connections it opens stay in the pool, so the rollback that follows starts on them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from console.engine.failures import HostFailure, said_once, ssh_errors, ssh_timeout
from console.engine.login_drops import Drops
from console.engine.ssh import SshPool
from console.engine.targets import Target, targets_for
from console.model.inventory import Inventory
from console.model.status import FailureClass


@dataclass(frozen=True)
class Reach:
    """One host's answer: `failure` None means it is reachable."""

    host: str
    failure: FailureClass | None = None
    detail: str = ""
    # Logins an sshd dropped on the way (each tried again), where and how many times: the
    # check's own dial's, never its host's next command's (engine/login_drops.py).
    dropped: tuple[tuple[str, int], ...] = ()

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def jump_host(self) -> str | None:
        """The jump host the failure happened at, if any: the pool names it first, its
        name one word (an alias, `user@host:port`), whatever follows it (`jump host
        bastion: ...`, `jump host bastion did not open the way to ...`, `the connection to
        jump host bastion was lost ...`): read whole, the hosts behind a stalled bastion
        were each counted apart, `bastion cannot reach 10.1.0.12:22` their jump host."""
        for lead in ("jump host ", "the connection to jump host "):
            if self.detail.startswith(lead):
                return self.detail[len(lead) :].split(" ", 1)[0].removesuffix(":") or None
        return None

    def describe(self) -> str:
        """`reachable`, or the failure class and its detail (said once)."""
        if self.failure is None:
            return "reachable"
        return said_once(self.failure, self.detail)


class ReachCheck:
    """Checks hosts over the pool and keeps the latest answer for each."""

    def __init__(self, pool: SshPool, inventory: Inventory):
        self.pool = pool
        self.inventory = inventory
        self.results: dict[str, Reach] = {}
        self.checking: set[str] = set()
        # Who hears each answer as it comes: the screen showing them now, if any. Answers
        # go on arriving after a screen has gone (its check was not its own to end).
        self.listener: Callable[[Reach], None] | None = None

    def start(self, hosts: list[str]) -> asyncio.Future[list[None]]:
        """Mark `hosts` as being checked (those not already), and return the check to
        await: side by side, the pool capping handshakes; the listener of the moment
        hears each answer."""
        targets = targets_for(self.inventory, [h for h in hosts if h not in self.checking])
        self.checking.update(t.name for t in targets)

        async def one(target: Target) -> None:
            try:
                reach = await self._reach(target)
            finally:
                self.checking.discard(target.name)
            self.results[target.name] = reach
            if self.listener is not None:
                self.listener(reach)

        return asyncio.gather(*(one(t) for t in targets))

    async def _reach(self, target: Target, tries: int = 2) -> Reach:
        """A connection from the pool may have died unnoticed: then one fresh try."""
        timeout = self.pool.defaults.connect_timeout
        drops: Drops = {}
        try:
            done = await self.pool.run(target, "true", timeout, drops)
        except HostFailure as failure:
            dropped = tuple(failure.drops.items())
            return Reach(target.name, failure.failure, failure.detail, dropped)
        except ssh_timeout():
            return Reach(target.name, FailureClass.TIMEOUT, f"`true` took over {timeout:g} s")
        except ssh_errors() as exc:
            if tries > 1:  # the pool forgot the connection: the next try opens a new one
                return await self._reach(target, tries - 1)
            return Reach(target.name, FailureClass.CONNECTION_LOST, str(exc) or "lost")
        if done.exit_status != 0:
            exited = f"`true` exited {done.exit_status}"
            return Reach(target.name, FailureClass.NONZERO_EXIT, exited, tuple(drops.items()))
        return Reach(target.name, dropped=tuple(drops.items()))

    def failing(self, hosts: list[str]) -> dict[str, str]:
        """Of `hosts`, those whose latest answer was a failure, with why."""
        return {h: r.describe() for h in hosts if (r := self.results.get(h)) and not r.ok}
