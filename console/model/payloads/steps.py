"""The checklist's steps and the commands they run on hosts, in waves."""

from typing_extensions import TypedDict

from console.model.event_kinds import Kind
from console.model.payloads.base import Amendable, Number, Payload
from console.model.payloads.record import Field
from console.model.status import FailureClass, StepStatus

RECOVERS_TO = (
    "what its strategy brings the data back to, as chosen (a PostgreSQL recovery's: `the"
    " time 2025-05-16T10:29:30Z`, `the restore point before-deploy-42`, `LSN 0/3000218`,"
    " `the end of the archived WAL`, `the backup ..., its consistent point`); since 2026-12-05"
)


class Passed(TypedDict):
    """A step before one taken out of the checklist's order, not done then."""

    step: str
    number: int
    title: str


AHEAD_OF = (
    "taken ahead of the checklist's order: the steps before it not done then (the console"
    " asks first, `Out of order`; a headless run's status update after a failure), each"
    " {`step` (its id), `number` (in the checklist), `title`}; absent when every step before"
    " it was done or skipped; since 2026-12-06"
)


class StepData(Payload):
    """What every step event says of its step (`where.step` names it)."""

    title: str = Field("", description="the step's title")
    phase: str = Field("", description="its phase")


class StepStarted(StepData):
    """A step starts (again, for a retry: `attempt`)."""

    KIND = Kind.STEP_STARTED
    hosts: list[str] = Field([], description="the hosts it runs on")
    attempt: int = Field(1, description="1, then one more per retry")
    adhoc: bool | None = Field(None, description="a one-off command (`exec`), not a planned step")
    undo_of: str | None = Field(None, description="the step whose strategy this undoes")
    systems: list[str] | None = Field(None, description="the systems it is for, when not all")
    confirmed: str | None = Field(
        None,
        description="who said yes after seeing the rendered command and the host count"
        " (`--yes (headless)` for a headless run); absent for a step with `confirm = false`",
    )
    edited: bool | None = Field(
        None, description="true on a status update whose message the commander changed"
    )
    to: str | None = Field(None, description=RECOVERS_TO)
    ahead_of: list[Passed] | None = Field(None, description=AHEAD_OF)


class StepCompleted(StepData, Amendable):
    """A step ended."""

    KIND = Kind.STEP_COMPLETED
    status: StepStatus = Field(
        description="`done`, `failed`, `held` (a gradual re-enable stopped between stages),"
        " `refused` (prechecks refused every host for good, nothing changed there; journals"
        " before 2026-12-04 wrote it too where the others succeeded: since, such a step is"
        " `done`, its refused hosts needed nothing), `stopped` (its waves stopped before some hosts, none of the others"
        " failed: a retry goes on with those not started: a no between waves, nobody to ask),"
        " `halted` (the same, halted by a probe not healthy after a wave: the summary says"
        " which), or `unknown` (a connection was"
        " lost while a change ran on some hosts, their verify could not reach them, or it found"
        " the change still under way (exit 75), none failed: verify them)"
    )
    summary: str = Field("", description="its outcome in words")
    warnings: int | None = Field(None, description="channels that failed a step not requiring them")
    confirmed: str | None = Field(None, description="who confirmed it")
    edited: bool | None = Field(None, description="the commander changed the message sent")
    to: str | None = Field(None, description=RECOVERS_TO)


class CommandIntent(Payload):
    """Write-ahead: a command is about to be sent to the host (`where.host`); fsync'd first."""

    KIND = Kind.COMMAND_INTENT
    OMIT_NONE = True
    command: str = Field(
        description="as rendered, parameters shell-quoted, configured secrets masked (`«redacted»`)"
    )
    stage: str = Field(
        description="precheck, action, verify, health, undo, run, notify, or `set 25%`,"
        " `check 25%`, `health 25%`..."
    )
    attempt: int = Field(1, description="the step's attempt")
    token: str | None = Field(
        None,
        description="this attempt's tag on the host: the remote wrapper carries it, so `ps`"
        " finds the command after a crash",
    )
    masked: bool | None = Field(None, description="true when `command` hides a secret")
    on: str | None = Field(None, description="`jump-host` when it runs on the jump host itself")


class CommandOutput(Payload):
    """Lines a command printed, in batches: in `output.jsonl`."""

    KIND = Kind.COMMAND_OUTPUT
    stream: str = Field(description="`stdout` or `stderr`")
    lines: list[str] = Field(description="the lines, as printed (escaped wherever shown)")


class CommandResult(Payload):
    """How a command ended on its host."""

    KIND = Kind.COMMAND_RESULT
    OMIT_NONE = True
    stage: str = Field(description="as in its intent")
    final: bool = Field(True, description="the host's last stage of the step")
    failure: FailureClass | None = Field(
        None,
        description="the failure class; absent: it succeeded, or (`aborted`) was never sent",
    )
    signal: str | None = Field(None, description="the signal that killed it (`TERM`, ...)")
    exit_status: int | None = Field(None, description="its exit status, when it exited")
    detail: str | None = Field(None, description="the failure in words")
    refused: str | None = Field(
        None,
        description="a precheck that refused the host for good (exit status 120: nothing to do"
        " there): why, its last line on stderr. Nothing after the precheck was sent; the host"
        " is `refused`, not failed, and a retry does not take it",
    )
    fingerprint: str | None = Field(
        None, description="the unknown or changed host key's fingerprint"
    )
    aborted: bool | None = Field(None, description="stopped by an abort")
    logins_dropped: int | None = Field(
        None,
        description="logins an sshd dropped (MaxStartups) before the one this command went"
        " through, or failed on another cause, in the dial of the connection it was the first"
        " to use: each tried again, nothing having been sent; since 2026-12-07",
    )
    dropped_at: dict[str, int] | None = Field(
        None,
        description="where those logins were dropped, and how many each: `proxy` (the bastion"
        " of its proxy command), `sshd` (its own sshd), `jump host NAME` (that jump host's own"
        " login, on its way); absent: all at its proxy command's bastion",
    )
    duration: float | None = Field(None, description="seconds from sending to the end")
    output_lines: int | None = Field(None, description="lines it printed")
    output_file: str | None = Field(None, description="the file holding them (`output.jsonl`)")


class WaveStarted(Payload):
    """A wave of hosts starts."""

    KIND = Kind.WAVE_STARTED
    OMIT_NONE = True
    wave: int = Field(description="its number, from 1")
    waves: int = Field(description="how many there are")
    hosts: list[str] = Field([], description="its hosts")
    stage: int | None = Field(
        None,
        description="a gradual re-enable's stage the wave is of, from 1 (since 2026-12-06)",
    )
    stages: int | None = Field(None, description="how many stages the re-enable has")
    percent: Number | None = Field(None, description="the stage's share switched on")


class WaveFinished(Payload):
    """A wave of hosts ended."""

    KIND = Kind.WAVE_FINISHED
    wave: int = Field(description="its number, from 1")
    waves: int = Field(description="how many there are")
    succeeded: int = Field(0, description="hosts that succeeded")
    failed: int = Field(0, description="hosts that failed")
    refused: int = Field(0, description="hosts a precheck refused for good (nothing to do there)")
    unknown: int = Field(
        0,
        description="hosts whose outcome is unknown: the connection was lost while a command"
        " that may change them ran, their verify could not reach them, or it found the change"
        " still under way (exit 75); verify before retrying",
    )
    # A default, not a default_factory: pydantic reads a factory's signature, and a
    # builtin's is parsed with the tokenizer (its expressions compiled: ~20 M instructions
    # on exec's way, bench/RESULTS.md).
    unknown_hosts: list[str] = Field(
        [], description="the hosts whose outcome is unknown, by name; since 2026-12-05"
    )
    aborted: int = Field(
        0,
        description="hosts whose command an abort stopped (`a`, or a headless run's Ctrl+C,"
        " SIGTERM or SIGHUP); since 2026-12-04",
    )
    not_started: int = Field(
        0,
        description="hosts of the wave sent nothing: an abort, a detach or a halt came"
        " before their turn; since 2026-12-04. The counts add up to the wave's hosts",
    )
    waited_for_files: int = Field(
        0,
        description="its commands on the jump host that waited their turn for open files"
        " (three pipes each, half of what the console may open beside its own files);"
        " since 2026-12-07",
    )
    closed_for_files: int = Field(
        0,
        description="idle connections closed to make room for open files (a host to dial,"
        " a command on the jump host) while the wave ran, the one idle longest first: their"
        " hosts are dialled again when next used; since 2026-12-07",
    )
    open_files: int | None = Field(
        None, description="the open files the console could have then (`ulimit -n`)"
    )
