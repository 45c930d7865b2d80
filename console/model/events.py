"""The journal's event envelope: when, who, what and where, versioned."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from console.model.base import Strict

SCHEMA_VERSION = 1


class Kind(StrEnum):
    """Every event kind the console writes; docs/journal.md describes their data."""

    INCIDENT_OPENED = "incident.opened"
    INCIDENT_RESUMED = "incident.resumed"
    INCIDENT_CLOSED = "incident.closed"
    TRIGGER_DECLARED = "trigger.declared"
    SYSTEMS_SELECTED = "systems.selected"
    STRATEGY_CHOSEN = "strategy.chosen"
    STEP_STARTED = "step.started"
    STEP_CONFIRMED = "step.confirmed"
    STEP_COMPLETED = "step.completed"
    STEP_SKIPPED = "step.skipped"
    COMMAND_INTENT = "command.intent"
    COMMAND_OUTPUT = "command.output"
    COMMAND_RESULT = "command.result"
    HOST_NOT_STARTED = "host.not_started"
    WAVE_STARTED = "wave.started"
    WAVE_FINISHED = "wave.finished"
    HOSTKEY_ACCEPTED = "hostkey.accepted"
    LOCK_ACQUIRED = "lock.acquired"
    LOCK_TAKEN_OVER = "lock.taken_over"
    LOCK_RELEASED = "lock.released"
    RUN_HALTED = "run.halted"
    RUN_ABORTED = "run.aborted"
    RUN_DETACHED = "run.detached"
    FIELD_SET = "field.set"
    NOTE_ADDED = "note.added"
    EVENT_STARRED = "event.starred"
    EXPORT_WRITTEN = "export.written"
    PROBE_SAMPLE = "probe.sample"
    TRIGGER_FIRED = "trigger.fired"
    COUNTDOWN_STARTED = "countdown.started"
    COUNTDOWN_CANCELLED = "countdown.cancelled"
    COUNTDOWN_ELAPSED = "countdown.elapsed"
    SOAK_PROGRESS = "soak.progress"
    RECOVERY_MEASURED = "recovery.measured"
    INTEGRITY_RECORDED = "integrity.recorded"
    ASSESSMENT_RECORDED = "assessment.recorded"
    DELIVERY_HALTED = "delivery.halted"
    ROLLOUT_STEP = "rollout.step"
    NOTIFICATION_SENT = "notification.sent"
    NOTIFICATION_RESULT = "notification.result"
    ATTEMPT_CHECKED = "attempt.checked"
    ATTEMPT_STOPPED = "attempt.stopped"
    UNKNOWN_VERIFIED = "unknown.verified"
    DRILL_STARTED = "drill.started"
    DRILL_FAULT = "drill.fault"
    DRILL_FAULT_UNDONE = "drill.fault_undone"
    DRILL_JUDGED = "drill.judged"


# Output is bulky and can be re-derived from the host; everything else is an
# action and is fsync'd before the console goes on.
UNSYNCED_KINDS = frozenset({Kind.COMMAND_OUTPUT, Kind.PROBE_SAMPLE})


class Actor(Strict):
    """Who: the OS user, and the SSH client address when on a jump host."""

    user: str
    client: str | None = None


class Where(Strict):
    system: str | None = None
    host: str | None = None
    step: str | None = None


class Event(Strict):
    """One fact about the incident, as one JSON line."""

    v: int = SCHEMA_VERSION
    seq: int = Field(ge=0)
    ts: datetime
    mono: float
    who: Actor
    kind: str
    where: Where = Where()
    data: dict[str, Any] = {}

    @property
    def is_action(self) -> bool:
        return self.kind not in UNSYNCED_KINDS
