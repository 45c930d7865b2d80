"""A run cut short: halted by its failures, aborted, detached, and the hosts it never
started. Apart from `steps`: a run that ends as planned (exec's) records none of them."""

from console.model.event_kinds import Kind
from console.model.payloads.base import Number, Payload
from console.model.payloads.record import Field


class HostNotStarted(Payload):
    """A host's command was never sent."""

    KIND = Kind.HOST_NOT_STARTED
    reason: str = Field(
        description="halted, aborted or detached (older journals: a rollout not confirmed,"
        " now `rollout.held`)"
    )


class RunHalted(Payload):
    """Too many hosts failed, a probe was not healthy after a wave, or a wave was not
    confirmed: the hosts not started yet will not be. Past max_fail_percentage, recorded
    only where that holds a host (or a gradual rollout's later stage) back: crossed once
    every host had begun, it halts nothing, and the failures say what happened."""

    KIND = Kind.RUN_HALTED
    reason: str = Field(description="why, in words")
    failed: int = Field(0, description="hosts failed")
    total: int = Field(0, description="hosts in the step")
    max_fail_percentage: Number | None = Field(None, description="the limit crossed")
    probes: bool = Field(
        False,
        description="a probe not healthy (or not read) after a wave halted it: the step reads"
        " `halted`, not `stopped` as after a no",
    )


class RunAborted(Payload):
    """The commander aborted: running commands are stopped (TERM, then KILL)."""

    KIND = Kind.RUN_ABORTED
    reason: str = Field(description="why")
    running: list[str] = Field([], description="the steps running then")


class RunDetached(Payload):
    """The console quit and left its commands running: their hosts are unknown until verified."""

    KIND = Kind.RUN_DETACHED
    OMIT_NONE = True  # a reason only when nobody chose it
    running: list[str] = Field([], description="the steps")
    hosts: list[str] = Field([], description="the hosts whose commands were left running")
    reason: str | None = Field(
        None,
        description="why, when nobody chose it: `terminal closed (SIGHUP)` or `ended by"
        " SIGTERM` (the console could ask nobody); absent: the commander chose detach",
    )
