"""Where a status-update channel sends, as people are told it: without its secret, and
a command as it will run on the jump host."""

from __future__ import annotations

from collections.abc import Callable

from console.engine.payloads import Update
from console.model.channels import Channel
from console.model.notify_kinds import ChannelKind
from console.model.templates import ParameterError, render

WHERE = {
    ChannelKind.SLACK: "Slack incoming webhook",
    ChannelKind.PAGERDUTY: "PagerDuty Events API v2",
    ChannelKind.WEBHOOK: "webhook",
}


def target_of(channel: Channel) -> str:
    """Where a channel sends, said without its secret."""
    if channel.kind is ChannelKind.COMMAND:
        return f"the jump host: {channel.command}"
    secret = channel.routing_key_env if channel.kind is ChannelKind.PAGERDUTY else channel.url_env
    return f"{WHERE[channel.kind]} ({f'${secret}' if secret else 'secret in the configuration'})"


MESSAGE_MARK = "‹message›"  # where a command channel puts the message, before it is final


def shown_target(channel: Channel, update: Update, mask: Callable[[str], str]) -> str:
    """Where `channel` sends `update`, as the commander confirms it: a command as it will
    run, every placeholder rendered but `{{message}}` (the message, still to be edited:
    `‹message›`), masked as the journal masks it; a webhook as `target_of` says it."""
    if channel.kind is not ChannelKind.COMMAND:
        return target_of(channel)
    try:
        command = render(channel.command or "", {**update.values(), "message": MESSAGE_MARK})
    except ParameterError as exc:
        return f"the jump host: not sent: {exc}"
    return f"the jump host runs: {mask(command)}"
