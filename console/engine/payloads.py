"""What each kind of channel is sent: Slack's Block Kit message, a PagerDuty Events API v2
event, or a generic JSON document (optionally shaped by a body template)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from console.model.templates import PLACEHOLDER
from console.model.visible import clip

CLIENT = "rollback-console"
# Slack's limits: a header's text, a section's text, a field's text.
SLACK_HEADER, SLACK_TEXT, SLACK_FIELD = 150, 3000, 2000
PAGERDUTY_SUMMARY = 1024
# PagerDuty refuses an event over 512 KB (a 400: not retried); room is kept for the rest.
PAGERDUTY_BYTES, PAGERDUTY_ROOM = 512 * 1024, 16 * 1024
# `{{hosts}}` names every host and its status up to this many hosts; past it, the hosts
# are grouped by status, problems first, each group named up to HOSTS_NAMED hosts.
HOSTS_LISTED, HOSTS_NAMED = 12, 10
# Problems first: what a reader must act on leads, whatever a channel cuts off the end.
STATUS_ORDER = ("failed", "unknown", "aborted", "held", "refused", "not started", "running")


def hosts_text(hosts: dict[str, dict[str, Any]]) -> str:
    """`web-1 succeeded, web-2 failed` for a few hosts; for many, one group a status,
    problems first: `4 failed: web-017, web-333, ...; 996 succeeded: web-001, ... +986 more`.
    Every host by name made a 1,000-host update ~20 KB, and Slack (3,000 characters) and
    PagerDuty (1,024) cut it before the failed hosts that came late in the inventory."""
    if len(hosts) <= HOSTS_LISTED:
        return ", ".join(f"{h} {v['status']}" for h, v in hosts.items())
    groups: dict[str, list[str]] = {}
    for host, value in hosts.items():
        groups.setdefault(value["status"], []).append(host)
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    parts = []
    for status in sorted(groups, key=lambda s: (rank.get(s, len(rank)), s == "succeeded")):
        names = groups[status]
        more = len(names) - HOSTS_NAMED
        shown = ", ".join(names[:HOSTS_NAMED]) + (f" +{more} more" if more > 0 else "")
        parts.append(f"{len(names)} {status}: {shown}")
    return "; ".join(parts)


@dataclass(frozen=True)
class Update:
    """One status update, composed once and shaped for each channel."""

    incident: str
    title: str
    phase: str
    step: str
    severity: str  # info, warning, error or critical
    summary: str  # one line: trigger, systems and how the hosts stand
    message: str  # what people read (the step's template, or the commander's words)
    drill: bool = False
    systems: list[str] = field(default_factory=list)
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)
    trigger: dict[str, Any] | None = None  # {"kind": ..., "label": ...}
    commander: str = ""  # who commands it now, and since a hand-over from whom

    def values(self) -> dict[str, str]:
        """Placeholder values for message and body templates, as text."""
        return {
            "incident": self.incident,
            "title": self.title,
            "phase": self.phase,
            "step": self.step,
            "severity": self.severity,
            "summary": self.summary,
            "message": self.message,
            "drill": "true" if self.drill else "false",
            "systems": ", ".join(self.systems),
            "hosts": hosts_text(self.hosts),
            "trigger": self.trigger["label"] if self.trigger else "",
            "commander": self.commander,
        }


DRILL_LABEL = "[DRILL]"


def drill_labelled(text: str, drill: bool) -> str:
    """A drill's text says so: `[DRILL]` in front, unless it is in it already."""
    return f"{DRILL_LABEL} {text}" if drill and DRILL_LABEL not in text else text


def plain(template: str, values: dict[str, str]) -> str:
    """Substitute placeholders as text, for messages that no shell reads."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _mrkdwn(text: str, limit: int) -> str:
    """Slack reads &, < and > as markup (`<!channel>` pings everyone): escape them, then
    cut to Slack's `limit`, which counts the escaped text (`&lt;` is 4 characters: a
    message cut before escaping grew past it, and Slack refused the whole update with
    `invalid_blocks`), never in the middle of an entity."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if len(escaped) <= limit:
        return escaped
    return re.sub(r"&[a-z]*$", "", escaped[: limit - 1]) + "…"


def slack_message(update: Update) -> dict[str, Any]:
    """An incoming-webhook body: `text` (the notification and fallback) and blocks."""
    drill = "[DRILL] " if update.drill else ""
    heading = f"{drill}Rollback {update.incident}: {update.title}"
    facts = [
        ("Incident", update.incident),
        ("Phase", update.phase),
        ("Severity", update.severity),
        ("Systems", ", ".join(update.systems) or "–"),
        *([("Commander", update.commander)] if update.commander else []),
    ]
    context = f"{CLIENT} · step {update.step}" + (
        " · a DRILL, not a production incident" if update.drill else ""
    )
    return {
        "text": _mrkdwn(update.message, SLACK_TEXT),  # labelled in a drill already
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": clip(heading, SLACK_HEADER)}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{k}*\n{_mrkdwn(v, SLACK_FIELD - len(k) - 3)}"}
                    for k, v in facts
                ],
            },
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _mrkdwn(update.message, SLACK_TEXT)},
            },
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": _mrkdwn(update.summary, SLACK_FIELD)},
                    {"type": "mrkdwn", "text": _mrkdwn(context, SLACK_FIELD)},
                ],
            },
        ],
    }


def pagerduty_event(
    action: str,
    dedup_key: str,
    *,
    summary: str = "",
    source: str = "",
    severity: str = "",
    timestamp: str = "",
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An Events API v2 event, less its routing_key (added only as it is sent); only a
    trigger carries a payload."""
    event: dict[str, Any] = {
        "event_action": action,
        "dedup_key": dedup_key,
    }
    if action == "trigger":
        event["client"] = CLIENT
        event["payload"] = {
            "summary": clip(summary, PAGERDUTY_SUMMARY),
            "source": source,
            "severity": severity,
            "timestamp": timestamp,
            "component": "rollback",
            "custom_details": details or {},
        }
    return event


def generic_document(update: Update) -> dict[str, Any]:
    """The default webhook body: every fact of the update, as JSON."""
    return {
        "incident": update.incident,
        "title": update.title,
        "phase": update.phase,
        "step": update.step,
        "severity": update.severity,
        "summary": update.summary,
        "message": update.message,
        "drill": update.drill,
        "trigger": update.trigger,
        "commander": update.commander,
        "systems": list(update.systems),
        "hosts": update.hosts,
    }


def pagerduty_details(update: Update) -> dict[str, Any]:
    """An update's custom_details on PagerDuty: every fact, as a webhook gets them; past
    PagerDuty's size limit, the hosts as `{{hosts}}` says them (grouped, problems first).
    1,000 failed hosts with 600-character reasons made a 721 KB event, refused whole when
    every host had failed."""
    details = generic_document(update)
    if len(json.dumps(details).encode()) > PAGERDUTY_BYTES - PAGERDUTY_ROOM:
        details["hosts"] = hosts_text(update.hosts)
    return details


def templated(body: Any, values: dict[str, str]) -> Any:
    """A body template with its placeholders filled in, in every string it holds."""
    if isinstance(body, str):
        return plain(body, values)
    if isinstance(body, dict):
        return {k: templated(v, values) for k, v in body.items()}
    if isinstance(body, list):
        return [templated(v, values) for v in body]
    return body
