"""What a notification is, apart from the channels' model (console/model/channels.py,
built at its first use: a procedure without `[[channels]]` never builds it): its
severities, the kinds of channel, and what a notify step's message may name."""

from enum import StrEnum

from console.model.triggers import TriggerKind


class Severity(StrEnum):
    """How loud a notification is; `auto` is critical while a host failed or is unknown,
    else info. The four others are PagerDuty's severities, in the same words."""

    AUTO = "auto"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


# A channel that cannot send, as the commander confirms a status update (`NOT SENT, $X
# not set in this console`): the dialog shows that line whole, never cut.
NOT_SENT = ": NOT SENT, "
# A channel a retried notify step's update reached already (`incidents: delivered on
# attempt 1, not sent again`): Enter sends it on the others only.
NOT_AGAIN = ", not sent again"
# A channel whose update went out before with no answer (`pager: the first may have
# arrived ...: https://...`): the dialog shows that line whole, never cut.
MAY_PAGE_TWICE = ": the first may have arrived (no answer); resending may page twice: "

# The severity of a declaration, by trigger: what is broken for users or data pages loudest.
TRIGGER_SEVERITY = {
    TriggerKind.ERROR_THRESHOLD: Severity.CRITICAL,
    TriggerKind.SECURITY: Severity.CRITICAL,
    TriggerKind.DATA_CORRUPTION: Severity.CRITICAL,
    TriggerKind.PERFORMANCE: Severity.ERROR,
    TriggerKind.USER_IMPACT: Severity.ERROR,
    TriggerKind.BUSINESS_CONTINUITY: Severity.ERROR,
    TriggerKind.STAKEHOLDER: Severity.WARNING,
    TriggerKind.UNEXPECTED_BEHAVIOUR: Severity.WARNING,
}


# What a notify step's message, and a notification command, may name (the engine's
# Update.values()); a command may also name the rendered {{message}}.
NOTIFY_VALUES = frozenset(
    {"incident", "title", "phase", "step", "severity", "summary"}
    | {"drill", "systems", "hosts", "trigger", "commander"}
)


class ChannelKind(StrEnum):
    SLACK = "slack"
    PAGERDUTY = "pagerduty"
    WEBHOOK = "webhook"
    COMMAND = "command"
