"""What a strategy's built-in steps record: delivery halted, the hosts assessed, a gradual
rollout's steps, and where one was held."""

from console.model.event_kinds import Kind
from console.model.payloads.base import JsonObject, Number, Payload
from console.model.payloads.record import Field


class DeliveryHalted(Payload):
    """The delivery pipeline was stopped before the rollback."""

    KIND = Kind.DELIVERY_HALTED
    hosts: list[str] = Field([], description="where the halt command ran")
    failed: list[str] = Field([], description="where it failed")
    command: str | None = Field(None, description="the command")


class RolloutStep(Payload):
    """One step of a gradual strategy (`feature-reenable`): a percentage, then a check."""

    KIND = Kind.ROLLOUT_STEP
    strategy: str = Field(description="the strategy")
    percent: Number = Field(description="the share switched on")
    index: int = Field(description="this step, from 1")
    of: int = Field(description="how many steps")
    ok: bool = Field(description="every host succeeded")
    go_on: bool = Field(
        description="its result lets the rollout go on: every host succeeded and steps are"
        " left (a hold after it, by its probes, a no or an abort, is a `rollout.held`);"
        " recorded as it ended since 2026-12-04 (before, after the question that followed:"
        " the rollout went on)"
    )
    failed: list[str] = Field([], description="hosts that failed")


class RolloutHeld(Payload):
    """A gradual strategy stopped between its steps: after one that passed on every host
    (the next was not confirmed), or one that failed on some or whose precheck refused
    some (`reason` names them); the `hosts` that passed step `index` stay at `percent`. A
    retry of those hosts alone goes on with the next step; one with a failed host starts
    again from the first."""

    KIND = Kind.ROLLOUT_HELD
    strategy: str = Field(description="the strategy")
    percent: Number = Field(description="the share the hosts stay at")
    index: int = Field(description="the step they reached, from 1")
    of: int = Field(description="how many steps")
    next_percent: Number = Field(description="the share the next step would switch on")
    hosts: list[str] = Field([], description="the hosts held there")
    reason: str = Field(
        description="why it stopped: the next step was not confirmed, failed on hosts,"
        " their prechecks refused them, or it was aborted (`aborted: REASON`)"
    )

    def said(self, hosts: int | None = None, unit: str = " %") -> str:
        """`held at 5 % (stage 1 of 4): the next stage was not confirmed`; with `hosts`,
        `held at 5 % on 4 hosts (stage 1 of 4): ...`; `unit="%"`: `5%`, as a screen that
        wraps it says it (its figure and unit never on two lines)."""
        on = "" if hosts is None else f" on {hosts} host" + ("s" if hosts != 1 else "")
        at = f"{self.percent}{unit}"
        return f"held at {at}{on} (stage {self.index} of {self.of}): {self.reason}"


class AssessmentRecorded(Payload):
    """What the hosts run, read before the rollback (and again after)."""

    KIND = Kind.ASSESSMENT_RECORDED
    hosts: dict[str, JsonObject] = Field(
        {},
        description="{host: {key: value}}; a `deployed_at` key (ISO 8601, UTC) dates the release",
    )
    assessed_keys: list[str] = Field([], alias="keys", description="the keys read")
    failed: list[str] = Field([], description="hosts that could not be read")
    stage: str | None = Field(
        None,
        description="`before` (the assessment step) or `after` (read again once stability is"
        " verified); older journals have none",
    )
