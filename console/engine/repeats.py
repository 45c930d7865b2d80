"""Status updates again every N minutes while the incident is open: a notify step with
`every` repeats its update on its channels until the close (or an interrupt), counting
each period from the start of the update before it, as a resume counts them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from console.model.events import Kind
from console.model.procedure import Step, StepKind
from console.model.status import StepStatus

if TYPE_CHECKING:
    from console.engine.notifier import Notifier


class Repeats:
    """A notifier's periodic status updates, one task per step."""

    def __init__(self, notifier: Notifier):
        self.notifier = notifier
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # between updates
        self.cut: str | None = None  # why periodic updates were stopped mid-send

    @property
    def tasks(self) -> list[asyncio.Task[None]]:
        return list(self._tasks.values())

    def start(self, step: Step, seconds: float, first: float | None = None) -> None:
        """Send the step's update every `seconds` (the first after `first`) until the close."""
        old = self._tasks.pop(step.id, None)
        if old:
            old.cancel()
        wait = seconds if first is None else first
        task = asyncio.get_running_loop().create_task(self._repeat(step, seconds, wait))
        self._tasks[step.id] = task

    def stop(self, why: str) -> None:
        """The incident closed: periodic updates stop now, one still being retried too
        (a PagerDuty trigger retried after the resolve would open a new alert, paging
        someone for a rollback already closed). Each send cut short is journalled."""
        self.cut = why
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()

    async def _repeat(self, step: Step, seconds: float, first: float) -> None:
        """Every `seconds` from the start of the last update, as a resume counts them: a
        channel that takes its retries to answer does not push the next update later."""
        notifier = self.notifier
        done = [
            n.get("repeat", 0) for n in notifier.state.notifications if n.get("step") == step.id
        ]
        count = max(done, default=0)
        await self.sleep(first)
        while not notifier.state.outcome:
            count += 1
            clock = notifier.recorder.clock
            started = clock.now()
            update = notifier.compose(step)
            await notifier.send_all(step, notifier.channels_of(step), update, repeat=count)
            took = (clock.now() - started).total_seconds()
            await self.sleep(max(0.0, seconds - took))

    def rearm(self) -> None:
        """After a resume: status updates that were repeating go on where they were."""
        notifier = self.notifier
        if notifier.state.outcome:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # nothing runs to repeat them (a read-only look at the journal)
        now = notifier.recorder.clock.now()
        for step in notifier.settings.procedure.steps:
            if step.kind is not StepKind.NOTIFY or not step.every:
                continue
            if notifier.state.step(step.id).status is not StepStatus.DONE:
                continue
            sent = [
                e.ts
                for e in notifier.recorder.events.actions
                if e.kind == Kind.NOTIFICATION_SENT and e.where.step == step.id
            ]
            due = max(sent) + timedelta(minutes=step.every) if sent else now
            self.start(step, step.every * 60, first=max(0.0, (due - now).total_seconds()))

    async def drain(self) -> None:
        """Stop repeating, and wait for each repeat's send to be journalled as cut."""
        tasks = self.tasks
        self._tasks.clear()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
