"""What one step did, host by host: the fold's record of each step and each host run in it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from console.model.alike import grouped
from console.model.records import Compared, defaults_of, set_defaults
from console.model.status import (
    NEVER_RAN,
    ROLLED_BACK,
    FailureClass,
    HostStatus,
    StepStatus,
    says_rolled_back,
    says_undo_first,
)

if TYPE_CHECKING:
    from console.model.payloads import RolloutHeld

# A drill's stage, set and cleared around its rollback: the integrity baseline, the faults,
# the integrity check after and the faults' undo. They run on every host, a host the
# rollback failed on too: their runs never say how a host's rollback stands.
BASELINE_STEP, AFTER_STEP = "drill-baseline", "drill-integrity"
FAULT_STEP, UNDO_STEP = "drill-fault", "drill-undo"  # each fault's: drill-fault-1, drill-undo-1


# The stage of a stability check's run that reads a host's state again with the
# assessment's command, once stability is verified: it changes nothing there.
READ_AGAIN = "assess"


def fault_steps(number: int) -> tuple[str, str]:
    """The steps that inject the incident's `number`th fault and undo it: one pair each."""
    return f"{FAULT_STEP}-{number}", f"{UNDO_STEP}-{number}"


def is_adhoc(step_id: str) -> bool:
    """A command typed by hand (the console's e, `exec`): not a step of the procedure."""
    return step_id.startswith("adhoc-")


def ad_hoc_only(step_ids: Collection[str]) -> bool:
    """Every step the incident ran was a command typed by hand (an `exec` incident): it
    has a procedure only as the configuration's, never walked."""
    return bool(step_ids) and all(is_adhoc(step_id) for step_id in step_ids)


def undoes(step_id: str) -> str | None:
    """The strategy step an undo step (`<step>.undo`) undoes; None for any other step."""
    return step_id.removesuffix(".undo") if step_id.endswith(".undo") else None


def is_drill_stage(step_id: str) -> bool:
    """A drill's stage step (journals before fault_steps had one fault and one undo step)."""
    return step_id in (BASELINE_STEP, AFTER_STEP, FAULT_STEP, UNDO_STEP) or step_id.startswith(
        (f"{FAULT_STEP}-", f"{UNDO_STEP}-")
    )


class Pause(NamedTuple):
    """A step waiting as its strategy says (`waves.pause_seconds`) before its next wave
    or stage: `what` (`wave`, `stage`) number `next` of `of` starts `until` at the soonest;
    a stage's shares: `percent` (the one done), `next_percent` (older journals: None);
    `asked`: a stage's pause is over and a person is asked whether the next one starts."""

    what: str
    next: int
    of: int
    until: datetime
    percent: float | None = None
    next_percent: float | None = None
    asked: bool = False


@dataclass(repr=False, eq=False)
class HostRun(Compared):
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
    fingerprint: str | None = None  # the key it offered, where that key is unknown here
    started: datetime | None = None
    finished: datetime | None = None
    finished_mono: float | None = None  # its event's monotonic time (durations)
    finished_seq: int = -1  # and that event's seq
    lines: int = 0
    last_line: str = ""
    last_error: str = ""  # the stage's last stderr line: what a failed host said was wrong
    token: str | None = None  # the latest attempt's tag on the host (finds it after a crash)
    on_jump_host: bool = False
    seq: int = -1  # the journal's latest event about it: which of a host's runs is latest
    # The latest command sent here that changes it (not a precheck, verify or health
    # check) was seen to end: a connection lost in the verify after it cut off a check,
    # not the change (V's verify after a change lost mid-command is not so).
    change_ended: bool = False

    def nothing_sent(self) -> bool:
        """Its latest command never reached the host: never started, the host not reached
        (down, refused, login or host key failures), or aborted while it was being reached
        (no failure, no exit status: a command killed there has its signal's failure)."""
        aborted = self.status is HostStatus.ABORTED
        unsent = aborted and self.failure is None and self.exit_status is None
        never_reached = self.status is HostStatus.FAILED and self.failure in NEVER_RAN
        return self.status is HostStatus.NOT_STARTED or unsent or never_reached

    def undo_first(self) -> bool:
        """It failed saying a retry cannot go on here until the undo (UNDO_FIRST), in a
        strategy's stage: a command's own 121 says nothing of an undo it has not."""
        return self.status is HostStatus.FAILED and says_undo_first(self.exit_status, self.stage)

    def rolled_back(self) -> bool:
        """It failed saying nothing changed there (ROLLED_BACK): its transaction rolled
        back, said by the console's SQL wrapper, or a restore that found no data directory
        to replace; any other command's 122 is a failure like another."""
        failed = self.status is HostStatus.FAILED and self.exit_status == ROLLED_BACK
        return failed and says_rolled_back(self.command)

    def said(self) -> str:
        """The one line that says most about the host: why its precheck refused it, a
        failed host's last stderr line (its stdout may end on a claim its refusal made
        false), else its last line."""
        if self.status is HostStatus.REFUSED and self.detail:
            return self.detail
        if self.status is HostStatus.FAILED and self.last_error:
            return self.last_error
        return self.last_line


# What a stability check cut short means for the commander, said alike by the step, its
# check's line on the execution screen and the document.
NOT_VERIFIED = "stability NOT verified: run the check again after resume"


def checking_cut_short(why: str, soak: dict[str, Any] | None) -> str:
    """How a stability check cut short (`why`: the console's end, a headless command's
    terminal gone) is said, with `soak`, its progress so far (None before its first round)."""
    so_far = " before its first round"
    if soak is not None:
        so_far = (
            f" after round {soak.get('round', 0)} of {soak.get('limit', 0)},"
            f" {soak.get('healthy', 0)}/{soak.get('needed', 0)} healthy in a row"
        )
    return f"cut short{so_far}: {why}; it changed nothing; {NOT_VERIFIED}"


@dataclass(init=False, repr=False, eq=False)
class StepState(Compared):
    """One step as its events say; made with its id alone (`StepState(id)`), its
    `__init__` records.py's (issue 18)."""

    id: str
    status: StepStatus = StepStatus.PENDING
    started: datetime | None = None
    restarted: datetime | None = None  # its latest start (`started` is its first)
    # The seq of the events of its latest start and end: runs, ends and undos are ordered
    # by them, never by their wall times (a wall clock stepped back mid-incident, NTP or
    # a VM resumed, read a restore started before a check as run after it).
    restarted_seq: int = -1
    # A strategy step's: the strategy it names, else the one chosen when it last started
    # (the one chosen now may be another, not run yet).
    ran_strategy: str | None = None
    to: str = ""  # what its latest start's strategy brings the data back to (StepStarted.to)
    finished: datetime | None = None
    finished_seq: int = -1
    summary: str = ""
    warnings: int = 0  # channels a done notify step could not deliver on
    # Left running by a console that died or detached, then resumed: the fold still says
    # running, but nothing runs it until it starts again.
    cut_short: bool = False
    skip_reason: str | None = None
    notes: list[str] = field(default_factory=list)
    hosts: dict[str, HostRun] = field(default_factory=dict)
    waves: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The waves of its earlier runs, oldest first: a retry's waves replace `waves` (V's
    # verify of unknown hosts is no run: its waves are not kept).
    earlier_waves: list[dict[int, dict[str, Any]]] = field(default_factory=list)
    # Beside each earlier run: how its undo ended before the next run began (`undone`,
    # `undo failed`), "" where none ran; `undo_since`, the latest run's until it is kept.
    earlier_undone: list[str] = field(default_factory=list)
    undo_since: str = ""
    halted: str | None = None
    halted_by_probes: bool = False  # `halted` says a probe not healthy after a wave
    targets: list[str] = field(default_factory=list)  # every host its starts named
    # The hosts sent a stage past its precheck, in any run: what its undo may touch (a
    # precheck that refused, failed or was lost changed nothing the step should undo).
    # A host leaves it once its command's end shows nothing was sent there (the host was
    # never reached, or the abort came while it was being reached), unless `reached`; and
    # at the step's next command there (or not-start) once its undo put it back since.
    changed: set[str] = field(default_factory=set)
    # The hosts of `changed` that an earlier such command may have reached: kept there
    # whatever a later attempt's end says.
    reached: set[str] = field(default_factory=set)
    held: RolloutHeld | None = None  # where its gradual re-enable is held (none once undone)
    paused: Pause | None = None  # waiting before its next wave or stage, until it starts

    def __init__(self, id: str) -> None:
        self.id = id
        set_defaults(self, _STEP_DEFAULTS)

    def refused(self) -> dict[str, str]:
        """The hosts its prechecks refused for good (nothing to do there: nothing was
        changed), each with why, as its precheck said."""
        return {
            host: run.detail or "nothing to do"
            for host, run in self.hosts.items()
            if run.status is HostStatus.REFUSED
        }

    def needed_nothing(self) -> dict[str, str]:
        """The hosts of a done step its prechecks refused (nothing to do there: another
        incident rolled them back already, the flags were off already), each with why:
        they needed nothing, nothing was changed there, and the others succeeded. Empty
        unless the step is done (a step refused everywhere changed nothing: `refused()`)."""
        return self.refused() if self.status is StepStatus.DONE else {}

    def retry_hosts(self) -> list[str]:
        """The hosts a retry takes: every one that did not succeed (a held one goes on
        from its stage), except those a precheck refused for good (they would refuse
        again) and those whose outcome is unknown: their earlier attempt may have done
        its work, or still run; they are verified or retried only after it is checked."""
        left = (HostStatus.SUCCEEDED, HostStatus.REFUSED, HostStatus.UNKNOWN)
        return [h for h, r in self.hosts.items() if r.status not in left]

    def standing(self, hosts: list[str]) -> str:
        """`1 failed, 3 not started`: how `hosts` (those a retry takes) stand in this step,
        counted by status; a host it has not reached yet counts as not started."""
        said = [self.hosts[h].status if h in self.hosts else HostStatus.NOT_STARTED for h in hosts]
        return ", ".join(f"{said.count(s)} {s.value}" for s in HostStatus if s in said)

    @property
    def verifying(self) -> bool:
        """A wave sent now is V checking its unknown hosts, not a run of its action: the
        step ended, or a crash cut it short (no `step.started` came before the wave)."""
        return self.status is not StepStatus.RUNNING or self.cut_short

    def unknown(self) -> list[str]:
        """The hosts whose outcome is unknown (verify before retrying)."""
        return [h for h, r in self.hosts.items() if r.status is HostStatus.UNKNOWN]

    def stop_between_waves(self) -> None:
        """A step cut short between waves (no host unknown, none failed, some never sent
        anything) stopped there, as a no between waves stops it: `1 not started, 1
        succeeded`, never read as unknown or failed; halted, with why, where a probe
        halted it."""
        said = [r.status for r in self.hosts.values()]
        ended = {HostStatus.SUCCEEDED, HostStatus.REFUSED, HostStatus.NOT_STARTED}
        if HostStatus.NOT_STARTED in said and set(said) <= ended:
            self.status, self.summary = self.stopped_as(
                ", ".join(
                    f"{said.count(s)} {s.value}" for s in sorted(set(said), key=lambda s: s.value)
                )
            )

    def stopped_as(self, counts: str) -> tuple[StepStatus, str]:
        """How a step whose waves did not reach some hosts (none failed) ended, and its
        summary: halted, with the probe's reason after its `counts`, where a probe not
        healthy after a wave halted it; else stopped (a no, nobody to ask, a crash)."""
        if self.halted_by_probes and self.halted:
            return StepStatus.HALTED, f"{counts}; {self.halted}"
        return StepStatus.STOPPED, counts

    def stop_checking(self, why: str, soak: dict[str, Any] | None) -> None:
        """A stability check (a probe step) cut short by the console's end: it changed no
        host and judged nothing, so it stopped, to be run again: never unknown, never
        failed. `soak`: its progress so far (made `stopped`), None before its first round."""
        self.status = StepStatus.STOPPED
        if soak is not None:
            soak["status"] = "stopped"
        self.summary = checking_cut_short(why, soak)

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


_STEP_DEFAULTS = defaults_of(StepState, frozenset({"id"}))


def recovery_said(status: StepStatus, to: str) -> str:
    """`recovers to the time ...` (not run yet), `recovering to ...` (running),
    `recovered to ...` (done), `recovery to ...` (else): what a step brings the data back
    to (`StepState.to`), in words for its status lines; "" when it says nothing of it."""
    if not to:
        return ""
    if status in (StepStatus.PENDING, StepStatus.RUNNING):
        return f"{'recovers' if status is StepStatus.PENDING else 'recovering'} to {to}"
    return f"{'recovered' if status is StepStatus.DONE else 'recovery'} to {to}"


def _said_alike(refused: dict[str, str]) -> dict[str, list[str]]:
    """{why: the hosts that said it}."""
    return {why: hosts for hosts, why in grouped(refused)}


def refused_words(refused: dict[str, str], by: str = "at the precheck") -> str:
    """`refused at the precheck on 2 hosts, nothing changed there (web-1, web-2: already
    rolled back to 2.4.0 ...)`: hosts that said the same grouped; `by`: what refused
    them (an undo finding a change since: `by its undo`)."""
    said = _said_alike(refused)
    n = len(refused)
    why = "; ".join(f"{', '.join(hosts)}: {reason}" for reason, hosts in said.items())
    return f"refused {by} on {n} host{'' if n == 1 else 's'}, nothing changed there ({why})"


def needed_nothing_words(refused: dict[str, str], counted: bool = True) -> str:
    """`2 needed nothing, nothing changed there (web-1, web-2: already rolled back to 2.4.0
    ...)`: hosts a precheck refused in a step that changed the others, grouped by why (the
    step's summary); not `counted`: `needed nothing, nothing changed there: web-1, web-2:
    already ...` (the close's words)."""
    said = _said_alike(refused)
    why = "; ".join(f"{', '.join(hosts)}: {reason}" for reason, hosts in said.items())
    if not counted:
        return f"{NEEDED_NOTHING}, nothing changed there: {why}"
    return f"{len(refused)} {NEEDED_NOTHING}, nothing changed there ({why})"


NEEDED_NOTHING = "needed nothing"  # a host its precheck refused in a step done elsewhere


def held_by_refusals(refused: dict[str, str]) -> str:
    """Why a gradual rollout stopped where prechecks refused some hosts and the others
    passed the stage: `the precheck refused web-2 (new_checkout already read 100 in
    flags: nothing to re-enable)`, hosts that said the same grouped."""
    said = _said_alike(refused)
    return "the precheck refused " + "; ".join(
        f"{', '.join(hosts)} ({reason})" for reason, hosts in said.items()
    )
