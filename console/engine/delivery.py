"""Deliver one message on one channel: resolve its secrets, send, retry with backoff."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from console.engine.notify import run_local
from console.engine.webhook import WebhookResult, post_json
from console.model.channels import MAX_DELAY, Channel, MissingSecret
from console.model.notify_kinds import ChannelKind
from console.model.visible import clip, visible

log = logging.getLogger(__name__)
ANSWER_CHARS = 200  # of a failed command's last line, in its detail


@dataclass
class Outgoing:
    """What to send: a JSON document to the channel's URL, or a command on the jump host."""

    document: dict[str, Any] | None = None
    command: str | None = None
    routing_key: bool = False  # PagerDuty: the key goes into the document only when sent


@dataclass
class Delivery:
    ok: bool
    status: int | None
    detail: str
    attempts: int
    lines: list[str] = field(default_factory=list)
    # Not delivered, and an attempt went out whole with no answer: it may have arrived.
    unanswered: bool = False

    def kept(self) -> dict[str, Any]:
        """What its `notification.result` keeps besides its detail."""
        return {"lines": self.lines, "unanswered": self.unanswered}


Sleep = Callable[[float], Awaitable[None]]
# An incoming webhook that took a message and answered too late posts a retry as a second
# message in the channel: it honours no Idempotency-Key.
SLACK_ONCE = "not sent again (Slack would post it twice)"
IDEMPOTENCY = "idempotency-key"  # IETF httpapi draft: the same key on every retry
# Told of each attempt that failed and will be tried again: (attempt, what happened, the
# seconds before the next one).
Retrying = Callable[[int, str, float], None]


@dataclass
class Progress:
    """What one notification has heard so far, for the record of a send stopped midway
    (an abort, Ctrl+C, the console ending): the last attempt answered with a failure worth
    retrying, and whether it was waiting to try again."""

    attempt: int = 0
    detail: str = ""
    waiting: bool = False
    unanswered: bool = False  # an attempt before went out whole and heard no answer

    def stopped(self, unanswered: str, why: str) -> Delivery:
        """The send stopped for `why` (`cut`): not delivered; it may have arrived when an
        attempt was on its way, or one before went out with no answer."""
        detail, attempts = self.cut(unanswered, why)
        return Delivery(
            False, None, detail, attempts, unanswered=not self.waiting or self.unanswered
        )

    def cut(self, unanswered: str, why: str) -> tuple[str, int]:
        """(detail, attempts) of the send stopped for `why`; `unanswered`: the words for
        an attempt still without an answer. The answers heard are never dropped: `HTTP
        500 ... (after 3 attempts); not tried again: WHY`."""
        if not self.attempt:
            return unanswered, 1
        heard = self.detail + (f" (after {self.attempt} attempts)" if self.attempt > 1 else "")
        if self.waiting:
            return f"{heard}; not tried again: {why}", self.attempt
        return f"{heard}; attempt {self.attempt + 1}: {unanswered}", self.attempt + 1


async def deliver(
    channel: Channel,
    outgoing: Outgoing,
    environ: Mapping[str, str] = os.environ,
    sleep: Sleep = asyncio.sleep,
    retrying: Retrying | None = None,
    give_up: Callable[[], str | None] = lambda: None,
    key: str | None = None,
    progress: Progress | None = None,
) -> Delivery:
    """Send, then retry what may pass later (network errors, timeouts, 429, 5xx; a failed
    command the shell could run) up to `channel.retries` times, waiting `backoff`, then
    twice as long. `key`: this notification's own, sent as `Idempotency-Key` on every
    attempt, so that a receiver that took an attempt but answered too late can tell the
    retry from a new update (unless the channel's `headers` set one). `progress`: kept
    told of each answer retried, for a send stopped midway to say what it heard."""
    try:
        url = "" if channel.kind is ChannelKind.COMMAND else channel.url_for(environ)
        headers = channel.headers_for(environ)
        if key and not any(name.lower() == IDEMPOTENCY for name in headers):
            headers = {"Idempotency-Key": f'"{key}"', **headers}  # a structured string
        document = dict(outgoing.document or {})
        if outgoing.routing_key:
            document["routing_key"] = channel.routing_key_for(environ)
    except MissingSecret as exc:
        return Delivery(False, None, f"not sent: {exc}", attempts=0)
    lines: list[str] = []
    unanswered = False  # any attempt went out whole and heard no answer
    for attempt in range(1, channel.retries + 2):
        if outgoing.command is not None:
            result, lines = await _command(outgoing.command, channel.timeout)
        else:
            result = await post_json(url, document, channel.timeout, headers)
        log.debug("notification %s: attempt %d: %s", channel.name, attempt, result.detail)
        unanswered = unanswered or result.unanswered
        if result.unanswered and channel.kind is ChannelKind.SLACK:
            result.detail += f": it may have arrived; {SLACK_ONCE}"
            break
        if result.ok or not result.retryable or attempt > channel.retries or give_up():
            break
        delay = min(result.retry_after or channel.backoff * 2 ** (attempt - 1), MAX_DELAY)
        if retrying is not None:
            retrying(attempt, result.detail, delay)
        if progress is not None:
            progress.attempt, progress.detail, progress.waiting = attempt, result.detail, True
            progress.unanswered = unanswered
        await sleep(delay)
        if progress is not None:
            progress.waiting = False
        if give_up():  # a cancellation can be lost as an answer arrives (wait_for, 3.11)
            break
    detail = result.detail + (f" (after {attempt} attempts)" if attempt > 1 else "")
    if not result.ok and (why := give_up()):
        detail += f"; not tried again: {why}"
    return Delivery(result.ok, result.status, detail, attempt, lines, unanswered and not result.ok)


# The shell's exit statuses for a command it could not run: no later try can pass.
NOT_RUNNABLE = {126: "not executable on the jump host", 127: "not found on the jump host"}


async def _command(command: str, timeout: float) -> tuple[WebhookResult, list[str]]:
    """A notification command on the jump host; a failure may pass on another try, unless
    the shell could not run the command at all."""
    result = await run_local(command, timeout)
    lines = result.lines[-20:]
    if result.failure is None:
        return WebhookResult(True, 0, "command ok"), lines
    why = NOT_RUNNABLE.get(result.exit_status or 0)
    detail = f"command failed: {result.detail}" + (f" ({why})" if why else "")
    if said := _last_said(lines):  # what it printed last says why, as a webhook's answer does
        detail += f": {said}"
    return WebhookResult(False, result.exit_status, detail, retryable=why is None), lines


def _last_said(lines: list[str]) -> str:
    """The last line a command printed, inert and at most ANSWER_CHARS long."""
    said = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return clip(visible(said, one_line=True), ANSWER_CHARS)
