"""What the commander chose: the systems and the strategy, a manual step confirmed done
or skipped, the next wave started or not when asked. Apart from `incident` and `steps`:
exec records none of them."""

from typing_extensions import TypedDict

from console.model.event_kinds import Kind
from console.model.payloads.base import Number, Payload
from console.model.payloads.record import Field
from console.model.payloads.steps import AHEAD_OF, Passed, StepData


class SystemsSelected(Payload):
    """The systems and hosts the rollback is for."""

    KIND = Kind.SYSTEMS_SELECTED
    systems: list[str] = Field(description="the systems")
    hosts: dict[str, str] = Field({}, description="{host: system}")
    ssh_check_failed: dict[str, str] | None = Field(
        None,
        description="{host: why} when chosen hosts failed the picker's SSH check (connect,"
        " log in, run `true`)",
    )


class StrategyChosen(Payload):
    """The strategy the restore step runs, with its checked parameters."""

    KIND = Kind.STRATEGY_CHOSEN
    strategy: str = Field(description="its name")
    params: dict[str, str] = Field({}, description="the checked parameter values")
    systems: list[str] | None = Field(
        None, description="when it is for some of the selected systems (a DR exercise)"
    )


class ResolvedHosts(TypedDict, total=False):
    hosts: list[str]
    value: str
    current: str
    said: str


class StrategyResolved(StepData):
    """What the chosen strategy's symbolic parameter (`target = previous`) stood for on the
    step's hosts, asked of them before the commander's yes (headless: before the step)
    and confirmed: the release a version rollback goes back to, and from which, hosts that
    said alike together; or (`given`) whether a value named outright is there on each host.
    Since 2026-12-06; before, a note said it in words (headless)."""

    KIND = Kind.STRATEGY_RESOLVED
    OMIT_NONE = True
    strategy: str = Field(description="the strategy")
    param: str = Field(description="the parameter (`target`)")
    symbolic: str = Field(description="its symbolic value (`previous`)")
    value: str | None = Field(
        None,
        description="the one value it stands for on every host, which the run goes with (the"
        " strategy chosen again with it); absent: each host's own (a git revision), or the"
        " run keeps the symbolic value (some hosts have nothing to do)",
    )
    groups: list[ResolvedHosts] = Field(
        [],
        description="the hosts that resolved it, those that said alike together: {`hosts`,"
        " `value` (what it stands for there), `current` (what they are on now, where the"
        " preset says it: a release), `said` (their words)}",
    )
    nothing: list[ResolvedHosts] = Field(
        [], description="hosts with nothing to do (refused at their precheck): {`hosts`, `said`}"
    )
    refused: list[ResolvedHosts] = Field(
        [],
        description="hosts that could not resolve it (their precheck decides): {`hosts`, `said`}",
    )
    given: bool | None = Field(
        None,
        description="`symbolic` is a value named outright (`target=2.9.0`), asked of the hosts"
        " whether it is there to go to, and the run goes with it as named (since 2026-12-07;"
        " before, nothing recorded the asking)",
    )
    asked_at: str | None = Field(
        None,
        description="when the hosts were asked (ISO 8601, UTC), before this event: `run"
        " --param` asks once the systems' locks are held, before the incident opens, and"
        " records their answers as it opens; the console asks before its confirmation and"
        " records them at the yes (since 2026-12-07). Of a value named outright, the step"
        " goes with them, not asking again, while no command that could change them was"
        " sent to those hosts since that time",
    )


class StepConfirmed(StepData):
    """A manual step was confirmed done."""

    KIND = Kind.STEP_CONFIRMED
    note: str = Field("", description="what the commander said")
    by: str | None = Field(None, description="the commander, or `--yes (headless)`")
    ahead_of: list[Passed] | None = Field(None, description=AHEAD_OF)


class StepSkipped(StepData):
    """A step was skipped, with a reason."""

    KIND = Kind.STEP_SKIPPED
    reason: str = Field(description="why")


class WavePaused(Payload):
    """The run waits `seconds` (the strategy's `waves.pause_seconds`) after a wave (or a
    gradual strategy's stage) before the next starts, or is asked for: an abort or a
    detach cuts the wait short."""

    KIND = Kind.WAVE_PAUSED
    what: str = Field(description="`wave`, or `stage` of a gradual strategy")
    done: int = Field(description="the one that finished, from 1")
    of: int = Field(description="how many there are")
    seconds: Number = Field(description="how long it waits")
    percent: Number | None = Field(
        None, description="a stage: the share the stage that finished switched on"
    )
    next_percent: Number | None = Field(
        None, description="a stage: the share the next one switches on"
    )


class WaveAsked(Payload):
    """The console stopped between waves (or a gradual strategy's stages) that say
    `confirm`, to ask whether the next one starts: nothing starts until it is answered."""

    KIND = Kind.WAVE_ASKED
    what: str = Field(description="`wave`, or `stage` of a gradual strategy")
    done: int = Field(description="the one that finished, from 1")
    of: int = Field(description="how many there are")
    hosts: list[str] | None = Field(
        None, description="the hosts the next wave starts (absent for a stage: every host)"
    )
    percent: Number | None = Field(
        None,
        description="a stage: the share the stage that finished switched on (since"
        " 2026-12-07; absent before)",
    )
    next_percent: Number | None = Field(
        None,
        description="a stage: the share the next one would switch on (since 2026-12-07;"
        " absent before)",
    )


class WaveAnswered(Payload):
    """The answer to the `wave.asked` before it: the next wave (or stage) starts, or the
    run stops there."""

    KIND = Kind.WAVE_ANSWERED
    what: str = Field(description="`wave`, or `stage` of a gradual strategy")
    done: int = Field(description="the one that finished, from 1")
    of: int = Field(description="how many there are")
    go_on: bool = Field(description="the next one starts; else the later hosts are not started")
    by: str = Field(
        description="who answered: the commander, or `--yes` or `the drill` with nobody at a"
        " keyboard"
    )
    waited: float = Field(description="seconds from the question to the answer")
