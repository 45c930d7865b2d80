"""Why the rollback happens and who leads it: triggers declared, fired, merged or
dismissed, the auto-rollback countdown, command handed over."""

from console.model.event_kinds import Kind
from console.model.payloads.base import JsonObject, Number, Payload
from console.model.payloads.record import Field


class TriggerDeclared(Payload):
    """Why the rollback happens: a person declared it, or an automatic trigger did."""

    KIND = Kind.TRIGGER_DECLARED
    kind: str = Field(description="the trigger kind (`error-threshold`, `user-impact`, ...)")
    label: str = Field("", description="the kind in words")
    automatic: bool = Field(False, description="a probe's trigger, not a person's")
    reason: str = Field("", description="why, in words (a manual trigger always has one)")
    evidence: list[JsonObject] = Field(
        [],
        description="probe samples (as in `probe.sample`), with the samples of the other"
        " triggers firing at the same time",
    )
    commander: str | None = Field(
        None,
        description="who is in charge: by default the login name and SSH client address of"
        " whoever declares",
    )
    taken_by: str | None = Field(
        None,
        description="what took an automatic trigger up without a person accepting the"
        " watcher's proposal: `run --trigger auto` (headless, the trigger firing as it"
        " started) or `the drill` (its probe fired during the drill)",
    )


class TriggerFired(Payload):
    """An automatic trigger's probe was bad for enough samples in a row."""

    KIND = Kind.TRIGGER_FIRED
    trigger: str = Field(description="the trigger's name")
    kind: str = Field(description="its kind")
    label: str = Field("", description="the kind in words")
    probe: str = Field("", description="`system/probe` that fired it")
    threshold: Number | None = Field(None, description="the threshold it crossed")
    consecutive: int = Field(0, description="bad samples in a row")
    policy: str = Field("", description="`propose` or `auto` (a countdown, then the rollback)")
    fired_at: str | None = Field(None, description="when (ISO 8601, UTC)")
    reason: str = Field("", description="what happened, in words")
    evidence: list[JsonObject] = Field([], description="the bad samples")


class TriggerMerged(Payload):
    """A firing was taken into the incident being driven as evidence, not declared."""

    KIND = Kind.TRIGGER_MERGED
    trigger: str = Field(description="the trigger's name")
    kind: str = Field(description="its kind")
    label: str = Field("", description="the kind in words")
    probe: str = Field("", description="`system/probe` that fired it")
    fired_at: str | None = Field(None, description="when (ISO 8601, UTC)")
    summary: str = Field("", description="what happened, in words")
    evidence: list[JsonObject] = Field([], description="the bad samples")


class TriggerDismissed(TriggerMerged):
    """Nobody took a firing up: who (the envelope), why and its evidence."""

    KIND = Kind.TRIGGER_DISMISSED
    reason: str = Field(description="why it was dismissed")


class CommanderHandedOver(Payload):
    """Someone else takes command; later events carry their name in `who.commander`."""

    KIND = Kind.COMMANDER_HANDED_OVER
    to: str = Field(description="the new commander")
    previous: str | None = Field(None, description="the one who handed over")
    note: str | None = Field(None, description="what was said at the hand-over")
    reason: str | None = Field(
        None, description="why, as whoever took command or asked for it said it"
    )


class CountdownStarted(Payload):
    """An `auto` trigger's countdown began (older journals)."""

    KIND = Kind.COUNTDOWN_STARTED
    trigger: str = Field(description="the trigger's name")
    kind: str | None = Field(None, description="its kind")
    seconds: Number = Field(description="how long it runs")
    deadline: str | None = Field(None, description="when it elapses (ISO 8601, UTC)")
    started: str | None = Field(None, description="when it began (ISO 8601, UTC)")


class CountdownCancelled(CountdownStarted):
    """An `auto` countdown was stopped before it elapsed."""

    KIND = Kind.COUNTDOWN_CANCELLED
    seconds: Number | None = Field(None, description="how long it ran for")  # type: ignore[assignment]
    reason: str = Field(description="why, and who cancelled it")


class CountdownElapsed(CountdownStarted):
    """An `auto` countdown ran out: the rollback starts."""

    KIND = Kind.COUNTDOWN_ELAPSED
