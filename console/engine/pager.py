"""PagerDuty follows the incident: trigger on declaration, acknowledge when the rollback
starts, resolve on close. The incident id is the dedup_key, so the three are one alert.

A close that leaves the problem in place (failed, aborted, handed over, partly rolled back)
does not resolve the page: it sends a trigger with the outcome, and the alert stays open.
Once acknowledged, an alert notifies nobody of a trigger, so that one then goes on an
alert of its own (`ID:closed`), which pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import TYPE_CHECKING, Any

from console.engine.notifying import page_action
from console.engine.payloads import pagerduty_event
from console.model.channels import Channel
from console.model.events import Event
from console.model.notify_kinds import TRIGGER_SEVERITY, Severity
from console.model.payloads import IncidentClosed
from console.model.payloads.steps import StepData
from console.model.triggers import TriggerKind

if TYPE_CHECKING:
    from console.engine.notifier import Notifier

# Outcomes after which nothing is left to do: the page is resolved.
RESOLVING = {"rolled back", "rolled-back", "completed", "not-needed", "dismissed"}
# The dedup_key's suffix of the alert a close that leaves the problem opens, once the
# incident's own alert was acknowledged.
CLOSED_ALERT = ":closed"


def resolves(outcome: str) -> bool:
    return outcome.split(":")[0].strip() in RESOLVING


class Pager:
    """Listens to the journal; each PagerDuty channel gets its events in order."""

    def __init__(self, notifier: Notifier):
        self.notifier = notifier
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._asked: set[tuple[str, str]] = set()
        if notifier.settings.procedure.pagers:
            notifier.recorder.subscribe(self.on_event)

    def source(self, channel: Channel) -> str:
        """payload.source: the configured one, else the affected systems, else this host."""
        state = self.notifier.state
        if channel.source:
            return channel.source
        if state.systems:
            return ", ".join(state.systems)
        probed = [
            e.get("probe", "").split("/")[0]
            for e in (state.trigger.evidence if state.trigger else [])
        ]
        return ", ".join(dict.fromkeys(p for p in probed if p)) or socket.gethostname()

    def on_event(self, event: Event) -> None:
        action = page_action(event)
        if action is None:
            return
        if action == "close":  # nothing of a periodic update may follow the resolve
            self.notifier.repeats.stop("the incident closed (a later attempt could page again)")
        state = self.notifier.state
        for channel in self.notifier.settings.procedure.pagers:
            if state.drill and not channel.in_drills:
                continue
            if self._done(channel, action) or (
                action != "trigger" and not self._done(channel, "trigger")
            ):
                continue
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # nothing runs (a dry run): nothing is sent
            self._asked.add((channel.name, action))
            previous = self._chains.get(channel.name)
            self._chains[channel.name] = loop.create_task(
                self._send(previous, channel, action, event)
            )

    def _done(self, channel: Channel, action: str) -> bool:
        """Asked for already, by this console or before a resume."""
        if (channel.name, action) in self._asked:
            return True
        return any(
            n.get("channel") == channel.name and n.get("lifecycle") == action
            for n in self.notifier.state.notifications
        )

    async def _send(
        self, previous: asyncio.Task[None] | None, channel: Channel, action: str, event: Event
    ) -> None:
        if previous is not None:  # PagerDuty drops an acknowledge that overtakes its trigger
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await previous
        message, severity, document = self._event(channel, action, event)
        from console.engine.delivery import Outgoing  # with the first page

        if action == "close" and not self.notifier.interrupted:
            # After an update to it given up on at the close, if one still flies; Ctrl+C
            # stops the wait, and the close's event is then journalled as not sent.
            from console.engine.webhook import settled

            with contextlib.suppress(Exception, asyncio.CancelledError):
                await settled(channel.url_for(self.notifier.environ), channel.timeout + 1)

        outgoing = Outgoing(document, routing_key=True)
        await self.notifier.send(channel, outgoing, None, message, severity, lifecycle=action)

    def _event(
        self, channel: Channel, action: str, event: Event
    ) -> tuple[str, str, dict[str, Any]]:
        state = self.notifier.state
        incident = state.incident_id or ""
        drill = "[DRILL] " if state.drill else ""
        if action == "acknowledge":
            title = event.payload(StepData).title or event.where.step
            message = f"{drill}rollback started: {title}"
            return message, "info", pagerduty_event("acknowledge", incident)
        outcome = state.outcome or ""
        # The outcome in words, when the close says.
        closing = event.data if isinstance(event.data, IncidentClosed) else None
        said = (closing and closing.label) or outcome
        if action == "close" and resolves(outcome):
            return f"{drill}closed: {said}", "info", pagerduty_event("resolve", incident)
        trigger = state.trigger
        severity = channel.severity
        if severity is Severity.AUTO:
            severity = (
                TRIGGER_SEVERITY.get(TriggerKind(trigger.kind), Severity.ERROR)
                if trigger
                else Severity.ERROR
            )
        key = incident
        if action == "close":  # closed, but not resolved: say so, and page
            summary = f"{drill}Rollback {incident} closed as {said}; the problem may remain: {state.title}"
            severity = Severity.ERROR if severity is not Severity.CRITICAL else severity
            if self._done(channel, "acknowledge"):
                # An acknowledged alert notifies nobody of a trigger (Events API v2): the
                # close pages on an alert of its own; the acknowledged one stays open.
                key = f"{incident}{CLOSED_ALERT}"
        else:
            reason = trigger.reason if trigger else ""
            label = (  # a firing's reason starts with its label: `Critical error ...: web/...`
                (reason if reason.startswith(trigger.label) else f"{trigger.label}: {reason}")
                if trigger and reason
                else (trigger.label if trigger else "")
            )
            # A title made from the trigger (`User impact assessment: checkout ...`) says
            # it already: the label and reason once, whole, not the title and then them.
            made = label.startswith(state.title.removesuffix(" …"))
            what = label if made else f"{state.title} — {label}" if label else state.title
            summary = f"{drill}Rollback {incident}: {what}"
        details = {
            "incident": incident,
            "title": state.title,
            "trigger": trigger.label if trigger else None,
            "reason": trigger.reason if trigger else None,
            "declared_by": event.who.user + (f"@{event.who.client}" if event.who.client else ""),
            "drill": state.drill,
            "outcome": state.outcome,
            "journal": str(self.notifier.recorder.path),
        }
        if key != incident:
            details["acknowledged_alert"] = incident
        document = pagerduty_event(
            "trigger",
            key,
            summary=summary,
            source=self.source(channel),
            severity=severity.value,
            timestamp=event.ts.isoformat(),
            details=details,
        )
        return summary, severity.value, document

    @property
    def chains(self) -> list[asyncio.Task[None]]:
        """Each channel's events in flight or waiting their turn."""
        return list(self._chains.values())

    @property
    def pending(self) -> int:
        """PagerDuty events asked for and not yet delivered (or given up on)."""
        return sum(1 for task in self._chains.values() if not task.done())

    async def drain(self) -> None:
        """Wait for every PagerDuty event asked for so far (each is bounded by its retries)."""
        # Each channel's last task waits for the ones before it; they stay in view while
        # awaited, so an interrupt (Notifier.interrupt) reaches them.
        while pending := [task for task in self._chains.values() if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)
