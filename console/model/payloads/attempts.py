"""Hosts a crash left unknown: their interrupted attempts checked and stopped, then verified."""

from console.model.event_kinds import Kind
from console.model.payloads.base import Amendable, Payload
from console.model.payloads.record import Field


class AttemptChecked(Payload):
    """An unknown host was asked whether its interrupted attempt still runs."""

    KIND = Kind.ATTEMPT_CHECKED
    token: str | None = Field(None, description="the attempt's tag")
    running: bool | None = Field(None, description="true, false, or null: could not tell")
    processes: list[str] = Field(
        [], description="`ps` lines: pid, process group, elapsed, arguments; at most 20"
    )
    detail: str = Field("", description="what was found, in words")


class AttemptStopped(Payload):
    """An interrupted attempt still running on a host was stopped."""

    KIND = Kind.ATTEMPT_STOPPED
    token: str | None = Field(None, description="the attempt's tag")
    groups: list[int] = Field([], description="the process groups signalled")
    stopped: bool = Field(description="it runs no more")
    detail: str = Field("", description="what happened, in words")


class UnknownVerified(Amendable):
    """Unknown hosts were verified (their step's `verify` ran); after the close, by hand."""

    KIND = Kind.UNKNOWN_VERIFIED
    verdicts: dict[str, str] = Field(
        description="{host: `verified: succeeded`, `verified: failed`, `failed, not verified:"
        " ...` (its verify did not end: the host counts as failed), or why it stays unknown}"
    )
    by: str | None = Field(
        None,
        description="after the close: the incident that ran the verify (`verify`, the verify"
        " by hand); its hosts' outcomes here stay as the close left them",
    )
