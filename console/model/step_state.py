"""What one step did, host by host: the fold's record of each step and each host run in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from console.model.status import FailureClass, HostStatus, StepStatus

if TYPE_CHECKING:
    from console.model.payloads import RolloutHeld


@dataclass
class HostRun:
    """What one host did in one step: the last stage's outcome counts."""

    host: str
    system: str | None
    status: HostStatus = HostStatus.PENDING
    stage: str | None = None
    command: str | None = None
    attempt: int = 0
    exit_status: int | None = None
    signal: str | None = None
    failure: FailureClass | None = None
    detail: str | None = None
    started: datetime | None = None
    finished: datetime | None = None
    lines: int = 0
    last_line: str = ""
    last_error: str = ""  # the stage's last stderr line: what a failed host said was wrong
    token: str | None = None  # the latest attempt's tag on the host (finds it after a crash)
    on_jump_host: bool = False

    def said(self) -> str:
        """The one line that says most about the host: a failed host's last stderr line
        (its stdout may end on a claim its refusal made false), else its last line."""
        if self.status is HostStatus.FAILED and self.last_error:
            return self.last_error
        return self.last_line


@dataclass
class StepState:
    id: str
    status: StepStatus = StepStatus.PENDING
    started: datetime | None = None
    finished: datetime | None = None
    summary: str = ""
    warnings: int = 0  # channels a done notify step could not deliver on
    skip_reason: str | None = None
    notes: list[str] = field(default_factory=list)
    hosts: dict[str, HostRun] = field(default_factory=dict)
    waves: dict[int, dict[str, Any]] = field(default_factory=dict)
    halted: str | None = None
    targets: list[str] = field(default_factory=list)  # every host its starts named
    held: RolloutHeld | None = None  # where its gradual re-enable is held (none once undone)

    def held_for(self, hosts: list[str]) -> RolloutHeld | None:
        """The hold a run of `hosts` goes on from: when every one of them is held there
        (a run with any other host starts the rollout from its first stage)."""
        runs = [self.hosts.get(h) for h in hosts]
        if (
            self.held is None
            or not runs
            or any(r is None or r.status is not HostStatus.HELD for r in runs)
        ):
            return None
        return self.held
