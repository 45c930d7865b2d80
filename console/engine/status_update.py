"""A status update as it is sent: what it says of the incident now, and the form each
kind of channel is sent it in."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from console.engine.payloads import (
    Update,
    drill_labelled,
    generic_document,
    pagerduty_details,
    pagerduty_event,
    plain,
    slack_message,
    templated,
)
from console.journal.outcomes import commander_said, host_summary
from console.model.notify_kinds import ChannelKind, Severity
from console.model.status import HostStatus
from console.model.status_summary import status_line
from console.model.templates import render

if TYPE_CHECKING:
    from console.engine.delivery import Outgoing
    from console.engine.pager import Pager
    from console.model.channels import Channel
    from console.model.clock import Clock
    from console.model.procedure import Step
    from console.model.settings import Settings
    from console.model.state import IncidentState
    from console.model.strategies import Strategy

BAD = {HostStatus.FAILED.value, HostStatus.ABORTED.value, HostStatus.UNKNOWN.value}


def compose_update(
    settings: Settings, state: IncidentState, step: Step, message: str | None = None
) -> Update:
    """The update a notify step would send now; `message`, if given, is the text people
    read instead of the step's template (the commander edited it). In a drill the
    summary and the message are labelled `[DRILL]`, whatever the commander typed."""
    hosts = host_summary(state)
    severity = step.severity
    if severity is Severity.AUTO:
        bad = any(h["status"] in BAD for h in hosts.values())
        severity = Severity.CRITICAL if bad else Severity.INFO
    trigger = state.trigger
    update = Update(
        incident=state.incident_id or "",
        title=state.title,
        phase=settings.procedure.phase_of(step.id).value,
        step=step.id,
        severity=severity.value,
        summary=drill_labelled(status_line(state, _chosen(settings, state)), state.drill),
        message="",
        drill=state.drill,
        systems=list(state.systems),
        hosts=hosts,
        trigger={"kind": trigger.kind, "label": trigger.label} if trigger else None,
        commander=commander_said(state),
    )
    text = (message or "").strip() or plain(step.message, update.values())
    return replace(update, message=drill_labelled(text, state.drill))


def _chosen(settings: Settings, state: IncidentState) -> Strategy | None:
    """The incident's chosen strategy, if the configuration still has it."""
    name = state.strategy
    return next((s for s in settings.strategies if s.name == name), None)


def outgoing_of(channel: Channel, update: Update, pager: Pager, clock: Clock) -> Outgoing:
    """What `channel` is sent of `update`, in its kind's form."""
    # Delivery is imported by the first notification: exec and most runs send none.
    from console.engine.delivery import Outgoing

    if channel.kind is ChannelKind.COMMAND:
        return Outgoing(command=render(channel.command or "", update.values()))
    if channel.kind is ChannelKind.SLACK:
        return Outgoing(slack_message(update))
    if channel.kind is ChannelKind.PAGERDUTY:  # the update joins the incident's alert
        event = pagerduty_event(
            "trigger",
            update.incident,
            summary=update.message,  # labelled in a drill already
            source=pager.source(channel),
            severity=update.severity,
            timestamp=clock.now().isoformat(),
            details=pagerduty_details(update),
        )
        return Outgoing(event, routing_key=True)
    body = channel.body
    return Outgoing(templated(body, update.values()) if body else generic_document(update))
