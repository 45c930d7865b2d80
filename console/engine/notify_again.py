"""A notify step run again: the channels that took its update already are not sent it a
second time. Walked with a receiver that answered 500 on the PagerDuty channel: the retry
of a `required` step that had failed there posted the same update on Slack again, each
retry once more, while its confirmation named both channels alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from console.model.events import Event, Kind
from console.model.notify_kinds import MAY_PAGE_TWICE, NOT_AGAIN
from console.model.payloads import NotificationResult, NotificationSent, StepCompleted
from console.model.status import StepStatus

if TYPE_CHECKING:
    from console.engine.notifier import Notifier
    from console.engine.payloads import Update
    from console.model.procedure import Step


@dataclass
class Runs:
    """A notify step's runs so far, and the channels its last one delivered on, if that
    run failed (a required channel that gave up): each by the attempt that delivered; and
    those it went out on with no answer, delivered on none since (it may have arrived)."""

    count: int = 0
    delivered: dict[str, int] = field(default_factory=dict)
    unanswered: set[str] = field(default_factory=set)

    def said(self, channel: str) -> str:
        """`incidents: delivered on attempt 1, not sent again`."""
        return f"{channel}: delivered on attempt {self.delivered[channel]}{NOT_AGAIN}"


def confirm_targets(notifier: Notifier, step: Step, update: Update) -> list[str]:
    """The confirmation's line of each channel: where the update goes, or, on a retry,
    that the channel took it already, or that it may have (it went out with no answer)."""
    from console.engine.channel_targets import shown_target

    runs = runs_of(notifier.recorder.events, step.id)
    mask, environ = notifier.recorder.redactor.text, notifier.environ
    return [
        runs.said(c.name)
        if c.name in runs.delivered
        else c.name
        + (MAY_PAGE_TWICE if c.name in runs.unanswered else ": ")
        + shown_target(c, update, mask, environ)
        for c in notifier.channels_of(step)
    ]


def runs_of(events: Iterable[Event], step: str) -> Runs:
    """The step's runs, and the channels that took its update since its last run that
    ended done (a run that failed, was aborted or cut off by the console's end leaves
    them), each by the attempt that delivered it: a periodic update's result and
    PagerDuty's incident events are not the step's own update."""
    runs = Runs()
    own: set[int] = set()  # the seqs of the current run's own sends
    for event in events:
        if event.where.step != step:
            continue
        if event.kind == Kind.STEP_STARTED:
            runs.count += 1
            own = set()
        elif event.kind == Kind.NOTIFICATION_SENT:
            sent = event.payload(NotificationSent)
            if sent.repeat is None and sent.lifecycle is None:
                own.add(event.seq)
        elif event.kind == Kind.NOTIFICATION_RESULT:
            result = event.payload(NotificationResult)
            if result.ok and result.sent in own:
                runs.delivered.setdefault(result.channel, runs.count)
                runs.unanswered.discard(result.channel)
            elif result.sent in own and may_have_arrived(result):
                runs.unanswered.add(result.channel)
        elif (
            event.kind == Kind.STEP_COMPLETED
            and event.payload(StepCompleted).status is not StepStatus.FAILED
        ):
            runs.delivered, runs.unanswered = {}, set()  # done: a run after it is its own
    return runs


def may_have_arrived(result: NotificationResult) -> bool:
    """Whether an update not delivered may have arrived all the same: it went out whole
    with no answer. An older journal says so only in words (`it may have arrived`, or a
    timeout's `no answer`, which may have come before it went out: taken as arrived)."""
    if result.unanswered is not None:
        return result.unanswered
    return "may have arrived" in result.detail or "no answer" in result.detail
