"""Where a status-update channel sends, as people are told it: without its secret, and
a command as it will run on the jump host."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from console.engine.payloads import Update
from console.model.channels import Channel
from console.model.notify_kinds import NOT_SENT, ChannelKind
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
    pager = channel.kind is ChannelKind.PAGERDUTY
    secret = channel.routing_key_env if pager else channel.url_env
    # an inline one is named by what it is, not called a secret: a webhook's URL may
    # hold none (walked: a plain URL read "webhook (secret in the configuration)")
    inline = f"{'routing key' if pager else 'URL'} in the configuration"
    return f"{WHERE[channel.kind]} ({f'${secret}' if secret else inline})"


MESSAGE_MARK = "‹message›"  # where a command channel puts the message, before it is final


def shown_target(
    channel: Channel,
    update: Update,
    mask: Callable[[str], str],
    environ: Mapping[str, str],
    here: str = "in this console",
) -> str:
    """Where `channel` sends `update`, as the commander confirms it: a command as it will
    run, every placeholder rendered but `{{message}}` (the message, still to be edited:
    `‹message›`), masked as the journal masks it; a webhook as `target_of` says it, and
    that it will not be sent when a variable it needs is not set in `environ` (seen: the
    dialog named $SLACK_WEBHOOK_URL, unset, and said NOT DELIVERED only once sent).
    `here` says whose environment lacks it: a headless dry run's is its shell's, not a
    console's (walked: `run --dry-run` read "not set in this console")."""
    if channel.kind is not ChannelKind.COMMAND:
        unset = channel.unset(environ)
        bad = channel.bad_url(environ)
        if unset:
            names = ", ".join(f"${name}" for name in unset)
            return f"{WHERE[channel.kind]}{NOT_SENT}{names} not set {here}"
        if bad:
            return f"{WHERE[channel.kind]}{NOT_SENT}${bad} is not an http(s) URL"
        return target_of(channel)
    try:
        command = render(channel.command or "", {**update.values(), "message": MESSAGE_MARK})
    except ParameterError as exc:
        return f"the jump host: not sent: {exc}"
    return f"the jump host runs: {mask(command)}"
