"""Status updates again every N minutes while the incident is open: a notify step with
`every` repeats its update on its channels until the close (or an interrupt), counting
each period from the start of the update before it, as a resume counts them. The close
is the last update of every notify step that sent one, with `every` or without: each
channel that heard the incident's status hears how it ended, once (PagerDuty hears it as
its own resolve or trigger)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from console.engine.notify_closed import closed_said
from console.model.events import Event, Kind
from console.model.notify_kinds import ChannelKind
from console.model.payloads import IncidentClosed
from console.model.procedure import Step, StepKind
from console.model.status import StepStatus

if TYPE_CHECKING:
    from console.engine.notifier import Notifier
    from console.model.channels import Channel


class Repeats:
    """A notifier's periodic status updates, one task per step."""

    def __init__(self, notifier: Notifier):
        self.notifier = notifier
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # between updates
        self.cut: str | None = None  # why periodic updates were stopped mid-send
        self._closing: list[asyncio.Task[None]] = []  # the close's update, once closed
        if any(s.kind is StepKind.NOTIFY for s in notifier.settings.procedure.steps):
            notifier.recorder.subscribe(self._on_event)

    @property
    def tasks(self) -> list[asyncio.Task[None]]:
        return [*self._tasks.values(), *self._closing]

    def _on_event(self, event: Event) -> None:
        """The incident closed: each notify step that sent an update (one that repeats,
        or one sent once, "rolling back": its people must hear the close too) sends its
        last one, saying how it ended, on its channels that heard it but PagerDuty (it
        follows the close itself); a channel two steps sent on hears it once."""
        if event.kind != Kind.INCIDENT_CLOSED:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # nothing runs to send it (a read-only look at the journal)
        closed = event.data if isinstance(event.data, IncidentClosed) else None
        said = (closed and closed.label) or self.notifier.state.outcome or "closed"
        said = closed_said(self.notifier.state, said)  # a drill's: its verdict too
        # One still being retried stops here, journalled as cut: the close's update says
        # more, and comes after it.
        self.cut = "the incident closed (its close's update goes out instead)"
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
        for step, channels in self._heard():
            self._closing.append(loop.create_task(self._last(step, channels, said)))

    def _heard(self) -> list[tuple[Step, list[Channel]]]:
        """The channels that were sent an update (PagerDuty aside, and one an abort cut
        with no answer yet: none is tried again), each once, under the step that sent it
        its last one (its close is that step's next update), in the procedure's order."""
        procedure = self.notifier.settings.procedure
        steps = {s.id: s for s in procedure.steps if s.kind is StepKind.NOTIFY}
        last: dict[tuple[str | None, str], str] = {}  # a step's own command is its own
        for sent in self.notifier.state.notifications:
            step = steps.get(sent.get("step") or "")
            if step is None or sent.get("lifecycle"):
                continue
            name = sent["channel"]
            last[(step.id if step.command and name == "command" else None, name)] = step.id
        heard = []
        for step in steps.values():
            names = {name for (_, name), by in last.items() if by == step.id}
            channels = [
                c
                for c in self.notifier.channels_of(step)
                if c.name in names
                and c.kind is not ChannelKind.PAGERDUTY
                and c.name not in self.notifier.unanswered
            ]
            if channels:
                heard.append((step, channels))
        return heard

    async def _last(self, step: Step, channels: list[Channel], said: str) -> None:
        notifier = self.notifier
        incident = notifier.state.incident_id or ""
        # its phase is the incident's, closed: a Slack field and a webhook's `phase` read
        # `execution` (the step's) beside "closed: rolled back and verified"
        update = replace(notifier.compose(step, f"{incident} closed: {said}"), phase="closed")
        await notifier.send_all(step, channels, update, repeat=self._count(step) + 1, final=True)

    def _count(self, step: Step) -> int:
        """The number of the step's last periodic update on record."""
        done = [
            n.get("repeat", 0)
            for n in self.notifier.state.notifications
            if n.get("step") == step.id
        ]
        return max(done, default=0)

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
        count = self._count(step)
        await self.sleep(first)
        while not notifier.state.outcome:
            count += 1
            clock = notifier.recorder.clock
            started = clock.monotonic()  # what it took: NTP stepping the wall clock, not
            update = notifier.compose(step)
            await notifier.send_all(step, notifier.channels_of(step), update, repeat=count)
            took = clock.monotonic() - started  # an hour more or less between updates
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
        """Stop repeating, and wait for each repeat's send to be journalled as cut; wait
        for the close's update (bounded by its channels' retries)."""
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while pending := [t for t in self._closing if not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)
