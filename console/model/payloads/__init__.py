"""Each event kind's data as a record (record.py), its family imported when a kind is first
written or read.

A run records a handful of the 50 kinds (exec twelve): so the records live in family
modules, `HOMES` says where each kind's is, and a family is imported when one of its models
is first asked for: by `payload_model(kind)`, or by name from this package
(`payloads.TriggerFired`, or `from console.model.payloads import TriggerFired`). A module on
exec's path names a family exec does not record through the package, inside the function
that needs it (the folds, describe, the recorder); a test holds exec's path to `incident`
and `steps`.

Adding a kind: its member in `console/model/event_kinds.py`, its model in a family module
here, and its row in `HOMES`; docs/journal.md's table is generated from these models
(`python scripts/journal_doc.py`) and a test holds the two equal."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from console.model.event_kinds import Kind
from console.model.payloads.base import Amendable, Payload, UnknownPayload

if TYPE_CHECKING:
    from console.model.payloads.actions import (
        AssessmentRecorded,
        DeliveryHalted,
        RolloutHeld,
        RolloutStep,
    )
    from console.model.payloads.attempts import (
        AttemptChecked,
        AttemptStopped,
        UnknownVerified,
    )
    from console.model.payloads.checks import (
        IntegrityRecorded,
        NotificationResult,
        NotificationSent,
        ProbeSample,
        RecoveryMeasured,
        RolloutProbed,
        SoakProgress,
    )
    from console.model.payloads.choices import (
        StepConfirmed,
        StepSkipped,
        StrategyChosen,
        StrategyResolved,
        SystemsSelected,
        WaveAnswered,
        WaveAsked,
        WavePaused,
    )
    from console.model.payloads.custody import (
        HostkeyAccepted,
        IncidentResumed,
        LockLost,
        LockTakenOver,
    )
    from console.model.payloads.document import (
        EventStarred,
        ExportWritten,
        FieldSet,
        NoteAdded,
    )
    from console.model.payloads.drills import (
        DrillFault,
        DrillFaultUndone,
        DrillJudged,
        DrillStarted,
    )
    from console.model.payloads.incident import (
        IncidentClosed,
        IncidentOpened,
        LockAcquired,
        LockKept,
        LockReleased,
    )
    from console.model.payloads.interruptions import (
        HostNotStarted,
        RunAborted,
        RunDetached,
        RunHalted,
    )
    from console.model.payloads.steps import (
        CommandIntent,
        CommandOutput,
        CommandResult,
        StepCompleted,
        StepStarted,
        WaveFinished,
        WaveStarted,
    )
    from console.model.payloads.triggers import (
        CommanderHandedOver,
        CountdownCancelled,
        CountdownElapsed,
        CountdownStarted,
        TriggerDeclared,
        TriggerDismissed,
        TriggerFired,
        TriggerMerged,
    )

# Each kind's (family module, model), in the order docs/journal.md lists them.
HOMES: dict[str, tuple[str, str]] = {
    Kind.INCIDENT_OPENED: ("incident", "IncidentOpened"),
    Kind.INCIDENT_RESUMED: ("custody", "IncidentResumed"),
    Kind.INCIDENT_CLOSED: ("incident", "IncidentClosed"),
    Kind.TRIGGER_DECLARED: ("triggers", "TriggerDeclared"),
    Kind.COMMANDER_HANDED_OVER: ("triggers", "CommanderHandedOver"),
    Kind.TRIGGER_FIRED: ("triggers", "TriggerFired"),
    Kind.TRIGGER_MERGED: ("triggers", "TriggerMerged"),
    Kind.TRIGGER_DISMISSED: ("triggers", "TriggerDismissed"),
    Kind.COUNTDOWN_STARTED: ("triggers", "CountdownStarted"),
    Kind.COUNTDOWN_CANCELLED: ("triggers", "CountdownCancelled"),
    Kind.COUNTDOWN_ELAPSED: ("triggers", "CountdownElapsed"),
    Kind.SYSTEMS_SELECTED: ("choices", "SystemsSelected"),
    Kind.STRATEGY_CHOSEN: ("choices", "StrategyChosen"),
    Kind.STRATEGY_RESOLVED: ("choices", "StrategyResolved"),
    Kind.STEP_STARTED: ("steps", "StepStarted"),
    Kind.STEP_CONFIRMED: ("choices", "StepConfirmed"),
    Kind.STEP_COMPLETED: ("steps", "StepCompleted"),
    Kind.STEP_SKIPPED: ("choices", "StepSkipped"),
    Kind.COMMAND_INTENT: ("steps", "CommandIntent"),
    Kind.COMMAND_OUTPUT: ("steps", "CommandOutput"),
    Kind.COMMAND_RESULT: ("steps", "CommandResult"),
    Kind.HOST_NOT_STARTED: ("interruptions", "HostNotStarted"),
    Kind.WAVE_STARTED: ("steps", "WaveStarted"),
    Kind.WAVE_FINISHED: ("steps", "WaveFinished"),
    Kind.WAVE_PAUSED: ("choices", "WavePaused"),
    Kind.WAVE_ASKED: ("choices", "WaveAsked"),
    Kind.WAVE_ANSWERED: ("choices", "WaveAnswered"),
    Kind.RUN_HALTED: ("interruptions", "RunHalted"),
    Kind.RUN_ABORTED: ("interruptions", "RunAborted"),
    Kind.RUN_DETACHED: ("interruptions", "RunDetached"),
    Kind.HOSTKEY_ACCEPTED: ("custody", "HostkeyAccepted"),
    Kind.LOCK_ACQUIRED: ("incident", "LockAcquired"),
    Kind.LOCK_RELEASED: ("incident", "LockReleased"),
    Kind.LOCK_KEPT: ("incident", "LockKept"),
    Kind.LOCK_TAKEN_OVER: ("custody", "LockTakenOver"),
    Kind.LOCK_LOST: ("custody", "LockLost"),
    Kind.ATTEMPT_CHECKED: ("attempts", "AttemptChecked"),
    Kind.ATTEMPT_STOPPED: ("attempts", "AttemptStopped"),
    Kind.UNKNOWN_VERIFIED: ("attempts", "UnknownVerified"),
    Kind.PROBE_SAMPLE: ("checks", "ProbeSample"),
    Kind.SOAK_PROGRESS: ("checks", "SoakProgress"),
    Kind.RECOVERY_MEASURED: ("checks", "RecoveryMeasured"),
    Kind.INTEGRITY_RECORDED: ("checks", "IntegrityRecorded"),
    Kind.ASSESSMENT_RECORDED: ("actions", "AssessmentRecorded"),
    Kind.DELIVERY_HALTED: ("actions", "DeliveryHalted"),
    Kind.ROLLOUT_STEP: ("actions", "RolloutStep"),
    Kind.ROLLOUT_PROBED: ("checks", "RolloutProbed"),
    Kind.WAVE_PROBED: ("checks", "WaveProbed"),
    Kind.ROLLOUT_HELD: ("actions", "RolloutHeld"),
    Kind.NOTIFICATION_SENT: ("checks", "NotificationSent"),
    Kind.NOTIFICATION_RESULT: ("checks", "NotificationResult"),
    Kind.FIELD_SET: ("document", "FieldSet"),
    Kind.NOTE_ADDED: ("document", "NoteAdded"),
    Kind.EVENT_STARRED: ("document", "EventStarred"),
    Kind.EXPORT_WRITTEN: ("document", "ExportWritten"),
    Kind.DRILL_STARTED: ("drills", "DrillStarted"),
    Kind.DRILL_FAULT: ("drills", "DrillFault"),
    Kind.DRILL_FAULT_UNDONE: ("drills", "DrillFaultUndone"),
    Kind.DRILL_JUDGED: ("drills", "DrillJudged"),
}
KINDS = frozenset(HOMES)
_FAMILIES = {name: family for family, name in HOMES.values()}


def payload_model(kind: str) -> type[Payload]:
    """The model of `kind`'s data; a kind this console does not know keeps its data whole."""
    home = HOMES.get(kind)
    if home is None:
        return UnknownPayload
    model: type[Payload] | None = globals().get(home[1])
    return model or __getattr__(home[1])


def all_models() -> tuple[type[Payload], ...]:
    """Every kind's model, in docs/journal.md's order (building them all: for the docs)."""
    return tuple(payload_model(kind) for kind in HOMES)


def __getattr__(name: str) -> Any:
    """A kind's model, imported with its family when first named."""
    family = _FAMILIES.get(name)
    if family is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{family}"), name)
    globals()[name] = value
    return value


__all__ = [
    "HOMES",
    "KINDS",
    "Amendable",
    "AssessmentRecorded",
    "AttemptChecked",
    "AttemptStopped",
    "CommandIntent",
    "CommandOutput",
    "CommandResult",
    "CommanderHandedOver",
    "CountdownCancelled",
    "CountdownElapsed",
    "CountdownStarted",
    "DeliveryHalted",
    "DrillFault",
    "DrillFaultUndone",
    "DrillJudged",
    "DrillStarted",
    "EventStarred",
    "ExportWritten",
    "FieldSet",
    "HostNotStarted",
    "HostkeyAccepted",
    "IncidentClosed",
    "IncidentOpened",
    "IncidentResumed",
    "IntegrityRecorded",
    "LockAcquired",
    "LockKept",
    "LockLost",
    "LockReleased",
    "LockTakenOver",
    "NoteAdded",
    "NotificationResult",
    "NotificationSent",
    "Payload",
    "ProbeSample",
    "RecoveryMeasured",
    "RolloutHeld",
    "RolloutProbed",
    "RolloutStep",
    "RunAborted",
    "RunDetached",
    "RunHalted",
    "SoakProgress",
    "StepCompleted",
    "StepConfirmed",
    "StepSkipped",
    "StepStarted",
    "StrategyChosen",
    "StrategyResolved",
    "SystemsSelected",
    "TriggerDeclared",
    "TriggerDismissed",
    "TriggerFired",
    "TriggerMerged",
    "UnknownPayload",
    "UnknownVerified",
    "WaveAnswered",
    "WaveAsked",
    "WaveFinished",
    "WavePaused",
    "WaveStarted",
    "all_models",
    "payload_model",
]
