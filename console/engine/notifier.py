"""Status updates: a notify step's message on each of its channels, again every N minutes
while the incident is open; every send and its outcome journalled, no secret in either.

A channel that could not deliver is a warning: the step fails only when it says
`required = true`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from console.engine.channel_targets import target_of
from console.engine.errors import ProcedureError
from console.engine.notify_again import runs_of
from console.engine.notify_stopped import aborted_words, stopped_words
from console.engine.pager import Pager
from console.engine.payloads import Update
from console.engine.repeats import Repeats
from console.engine.status_update import compose_update, outgoing_of
from console.model.channels import Channel
from console.model.events import Kind
from console.model.notify_kinds import ChannelKind
from console.model.procedure import Step
from console.model.state import IncidentState
from console.model.status import StepStatus, detached_reason
from console.model.templates import ParameterError

if TYPE_CHECKING:
    from console.engine.delivery import Delivery, Outgoing
    from console.journal.recorder import Recorder
    from console.model.settings import Settings


class Notifier:
    """Sends a conductor's status updates and follows its incident on PagerDuty."""

    def __init__(
        self, settings: Settings, recorder: Recorder, environ: Mapping[str, str] = os.environ
    ):
        self.settings, self.recorder, self.environ = settings, recorder, environ
        self.repeats = Repeats(self)  # every N minutes
        self.pager = Pager(self)
        self.interrupted: str | None = None  # why the deliveries were cut short, if they were
        # Sends waiting for their answer, by their `notification.sent`'s seq: how the last
        # attempt went, when the next starts (shown while a channel is retried; not journalled).
        self.retrying: dict[int, str] = {}
        # A notify step's sends in flight, cut short by an abort (no silent endpoint holds up `a`).
        self._step_sends: set[asyncio.Future[tuple[bool, str]]] = set()
        self.step_cut: str | None = None  # why they were, if they were
        # Channels with no answer when an abort cut their update: not tried again, nor by the close.
        self.unanswered: set[str] = set()
        self.ended: str | None = None  # the console detached: how it is said

    @property
    def state(self) -> IncidentState:
        return self.recorder.state

    @property
    def repeats_cut(self) -> str | None:
        """Why periodic updates were stopped mid-send, if they were."""
        return self.repeats.cut

    @property
    def sleep(self) -> Callable[[float], Awaitable[None]]:
        """The wait between periodic updates."""
        return self.repeats.sleep

    @sleep.setter
    def sleep(self, sleep: Callable[[float], Awaitable[None]]) -> None:
        self.repeats.sleep = sleep

    def channels_of(self, step: Step) -> list[Channel]:
        """The step's channels; its own `command`, if any, first."""
        own = []
        if step.command:
            timeout = min(self.settings.inventory.ssh.command_timeout, 120)
            kind = ChannelKind.COMMAND
            own = [Channel(name="command", kind=kind, command=step.command, timeout=timeout)]
        return own + [self.settings.procedure.channel(n) for n in step.channels]

    def compose(self, step: Step, message: str | None = None) -> Update:
        """The update a notify step would send now (`message`: the commander's text)."""
        return compose_update(self.settings, self.state, step, message)

    async def send_step(
        self, step: Step, data: dict[str, Any], message: str | None = None, **ahead: Any
    ) -> bool:
        """Run a notify step: one update on all its channels at once (`ahead`: its start's
        `ahead_of`). True unless a required step could not deliver; `every` repeats it."""
        channels = self.channels_of(step)
        if not channels:
            raise ProcedureError(f"step {step.title!r} has no channel")
        update = self.compose(step, message)
        runs = runs_of(self.recorder.events, step.id)  # a retry: each channel that took it
        attempt, again = runs.count + 1, runs.delivered  # already is not sent it again
        self.recorder.record(
            Kind.STEP_STARTED, step=step.id, hosts=[], attempt=attempt, **data, **ahead
        )
        self.step_cut = None
        started = self.recorder.clock.monotonic()  # a wall clock stepped: not in `took`
        sending = [c for c in channels if c.name not in again]
        sent = iter(await self.send_all(step, sending, update, cut=self._step_sends))
        results = [(True, runs.said(c.name)) if c.name in again else next(sent) for c in channels]
        failed = sum(1 for ok, _ in results if not ok)
        ok = not (failed and step.required) and not self.step_cut
        word = "FAILED" if step.required else "warning"
        said = "; ".join(d if sent else f"{word}: {d}" for sent, d in results)
        self.recorder.record(
            Kind.STEP_COMPLETED,
            step=step.id,
            status=(StepStatus.DONE if ok else StepStatus.FAILED).value,
            summary=f"aborted: {self.step_cut}; {said}" if self.step_cut else said,
            warnings=failed if ok else 0,
            **data,
        )
        if step.every and not self.state.outcome and not self.step_cut:
            # From this update's start, as every later one and a resume count: a channel
            # that took its retries to answer does not push the next update later.
            took = self.recorder.clock.monotonic() - started
            self.repeats.start(step, step.every * 60, first=max(0.0, step.every * 60 - took))
        return ok

    async def send_all(
        self,
        step: Step,
        channels: list[Channel],
        update: Update,
        repeat: int = 0,
        cut: set[asyncio.Future[tuple[bool, str]]] | None = None,
        final: bool = False,
    ) -> list[tuple[bool, str]]:
        """Each channel's (delivered, what it said); `cut`: where the sends are kept
        while they run, for `cut_step_sends` to stop; `final`: the close's update, which
        the close does not stop."""
        sends = [
            asyncio.ensure_future(self._send(c, step, update, repeat, final)) for c in channels
        ]
        if cut is not None:
            cut.update(sends)
        try:
            answers = await asyncio.gather(*sends, return_exceptions=True)
        finally:
            if cut is not None:
                cut.difference_update(sends)
        results: list[tuple[bool, str]] = []
        for channel, answer in zip(channels, answers, strict=True):
            if isinstance(answer, asyncio.CancelledError):  # cut short by the abort
                self.unanswered.add(channel.name)
                results.append((False, f"{channel.name}: {aborted_words(self.step_cut or '')}"))
            elif isinstance(answer, BaseException):
                raise answer
            else:
                results.append(answer)
        return results

    def cut_step_sends(self, reason: str) -> None:
        """The run is aborted: a notify step stops waiting for its channels. Each one
        with no answer yet is journalled as not delivered, saying why (it may have
        arrived); none is tried again. Periodic updates and PagerDuty's incident events
        go on (the close still pages)."""
        if not self._step_sends:
            return
        self.step_cut = reason
        for send in list(self._step_sends):
            send.cancel()

    async def _send(
        self, channel: Channel, step: Step, update: Update, repeat: int, final: bool = False
    ) -> tuple[bool, str]:
        if update.drill and not channel.in_drills:
            return True, f"{channel.name}: not sent during a drill (drills = true sends it)"
        try:
            outgoing = outgoing_of(channel, update, self.pager, self.recorder.clock)
        except ParameterError as exc:
            return False, f"{channel.name}: {exc}"
        delivery = await self.send(
            channel,
            outgoing,
            step.id,
            update.message,
            update.severity,
            repeat=repeat,
            required=step.required,
            final=final,
        )
        return delivery.ok, f"{channel.name}: {delivery.detail}"

    async def send(
        self,
        channel: Channel,
        outgoing: Outgoing,
        step: str | None,
        message: str,
        severity: str,
        *,
        repeat: int = 0,
        required: bool = False,
        lifecycle: str | None = None,
        final: bool = False,
    ) -> Delivery:
        """Journal what is sent (secrets are added only on the way out), deliver, journal
        the outcome."""
        what = {"command": outgoing.command} if outgoing.command else {"payload": outgoing.document}
        extra = _present(repeat=repeat, lifecycle=lifecycle)
        if lifecycle:
            extra["action"] = (outgoing.document or {}).get("event_action")
        sent = self.recorder.record(
            Kind.NOTIFICATION_SENT,
            step=step,
            channel=channel.name,
            kind=channel.kind.value,
            target=target_of(channel),
            message=message,
            severity=severity,
            **what,
            **extra,
        )
        from console.engine.delivery import Delivery, Progress, deliver

        progress = Progress()  # what it heard: said, should it be stopped midway
        periodic = bool(repeat) and not final
        # A notify step's abort stops its own update, never a periodic one, the close's or
        # PagerDuty's incident events, sent or retried after it (the close still pages).
        own = not repeat and not lifecycle
        try:
            if self.interrupted:
                delivery = Delivery(False, None, f"not sent: {self.interrupted}", 0)
            else:
                delivery = await deliver(
                    channel,
                    outgoing,
                    self.environ,
                    retrying=self._retrying(sent.seq, channel),
                    give_up=lambda: (
                        (self.repeats_cut if periodic else None) or (self.step_cut if own else None)
                    ),
                    key=f"{self.state.incident_id}-{sent.seq}",  # its notification.sent
                    progress=progress,
                )
        except asyncio.CancelledError:  # never left without its outcome on record
            failed = progress.stopped(*stopped_words(self, periodic, own))
            self._result(sent.seq, step, channel, failed, required, repeat, extra.get("action"))
            raise
        finally:
            self.retrying.pop(sent.seq, None)
        self.unanswered.discard(channel.name)  # sent again to the end: it hears the close
        self._result(sent.seq, step, channel, delivery, required, repeat, extra.get("action"))
        return delivery

    def _retrying(self, seq: int, channel: Channel) -> Callable[[int, str, float], None]:
        def said(attempt: int, detail: str, delay: float) -> None:
            # Shown on screen, never journalled: masked here as the journal masks a result
            # (an answer may echo the URL's secret path or a header: "Cannot POST /T0/...").
            detail = self.recorder.redactor.text(detail)
            at = self.recorder.clock.now() + timedelta(seconds=delay)
            self.retrying[seq] = (
                f"attempt {attempt} of {channel.retries + 1}: {detail};"
                f" attempt {attempt + 1} at {at:%H:%M:%S} UTC"
            )

        return said

    def _result(
        self,
        sent: int,
        step: str | None,
        channel: Channel,
        delivery: Delivery,
        required: bool,
        repeat: int,
        action: str | None = None,
    ) -> None:
        self.recorder.record(
            Kind.NOTIFICATION_RESULT,
            step=step,
            sent=sent,
            channel=channel.name,
            ok=delivery.ok,
            status=delivery.status,
            detail=delivery.detail,
            attempts=delivery.attempts,
            required=required,
            **_present(repeat=repeat, action=action, **delivery.kept()),
        )

    def interrupt(self, reason: str) -> None:
        """Stop waiting on deliveries (Ctrl+C once the incident is closed): each one that
        has no answer yet, and each PagerDuty event not sent yet, is journalled as not
        delivered, saying why; none is retried."""
        self.interrupted = reason
        for task in [*self.repeats.tasks, *self.pager.chains]:
            task.cancel()

    def end(self, why: str) -> None:
        """The console ended from outside (its terminal closed, TERM): nobody waits. Each
        send with no answer yet is journalled not delivered, each not sent yet not sent."""
        self.ended = detached_reason(why)
        self.interrupt(self.ended)

    def settle_unanswered(self) -> None:
        """After a resume: each notification the console that ended had sent, and heard
        no answer for, is journalled as not delivered (it may have arrived; nothing
        waits for it now, and none is sent again by itself)."""
        steps = {s.id: s for s in self.settings.procedure.steps}
        for sent in [n for n in self.state.notifications if "result" not in n]:
            step = steps.get(sent.get("step") or "")
            self.recorder.record(
                Kind.NOTIFICATION_RESULT,
                step=sent.get("step"),
                sent=sent["seq"],
                channel=sent["channel"],
                ok=False,
                detail=f"no answer yet when {ENDED}: it may have arrived",
                attempts=1,
                required=bool(step and step.required and not sent.get("lifecycle")),
                **_present(repeat=sent.get("repeat"), action=sent.get("action"), unanswered=True),
            )

    async def drain(self) -> None:
        """Stop repeating; wait for PagerDuty's last events (each bounded by its retries)."""
        await self.repeats.drain()
        await self.pager.drain()


ENDED = "the console ended (resumed since)"


def _present(**data: Any) -> dict[str, Any]:
    """The entries that have a value: journal data leaves the others out."""
    return {k: v for k, v in data.items() if v}
