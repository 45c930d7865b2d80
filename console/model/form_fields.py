"""The document fields a form step fills in (`field.set` events), and their titles: named
by procedure.toml's steps, read by the review's checks (review.py). Without pydantic: the
configuration's records import it (issue 18)."""

from __future__ import annotations

from enum import StrEnum


class FormField(StrEnum):
    """The document fields that post-rollback steps fill in (`field.set` events)."""

    REASON = "reason"
    SEVERITY = "severity"
    IMPACT_USERS = "impact_users"
    IMPACT_START = "impact_start"
    IMPACT_END = "impact_end"
    BUSINESS_IMPACT = "business_impact"
    ROOT_CAUSE = "root_cause"
    REMEDIATION = "remediation"
    ACTION_ITEMS = "action_items"
    PROCEDURE_UPDATES = "procedure_updates"
    WENT_WELL = "went_well"
    WENT_WRONG = "went_wrong"
    GOT_LUCKY = "got_lucky"
    LESSONS = "lessons"  # one text, before lessons had three parts; still accepted
    RETRY_SCHEDULE = "retry_schedule"
    RETRY_OWNER = "retry_owner"

    @property
    def label(self) -> str:
        return FIELD_TITLES[self]

    @property
    def when(self) -> bool:
        """A UTC date-time (or a date) rather than text."""
        return self in (FormField.IMPACT_START, FormField.IMPACT_END, FormField.RETRY_SCHEDULE)


FIELD_TITLES = {
    FormField.REASON: "Rollback reason",
    FormField.SEVERITY: "Severity",
    FormField.IMPACT_USERS: "Users or customers affected",
    FormField.IMPACT_START: "Impact start (UTC)",
    FormField.IMPACT_END: "Impact end (UTC)",
    FormField.BUSINESS_IMPACT: "Business impact",
    FormField.ROOT_CAUSE: "Root cause",
    FormField.REMEDIATION: "Remediation plan",
    FormField.ACTION_ITEMS: "Action items",
    FormField.PROCEDURE_UPDATES: "Procedure updates",
    FormField.WENT_WELL: "What went well",
    FormField.WENT_WRONG: "What went wrong",
    FormField.GOT_LUCKY: "Where we got lucky",
    FormField.LESSONS: "Lessons learned",
    FormField.RETRY_SCHEDULE: "Retry at (UTC)",
    FormField.RETRY_OWNER: "Retry owner",
}
