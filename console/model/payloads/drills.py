"""A drill's own facts: its scenario, the faults it injected, its verdict ([drills](drills.md))."""

from console.model.event_kinds import Kind
from console.model.payloads.base import JsonObject, Number, Payload
from console.model.payloads.record import Field


class DrillStarted(Payload):
    """A drill scenario starts."""

    KIND = Kind.DRILL_STARTED
    scenario: str = Field(description="its name")
    description: str = Field("", description="what it exercises")
    scope: str = Field("", description="`staging`, `demo`, or `dr`")
    parts: list[JsonObject] = Field([], description="the systems and strategies it rolls back")
    trigger: str = Field("", description="the trigger kind it expects")
    expect: str = Field("", description="the outcome it expects")
    targets: dict[str, Number] = Field(
        {}, description="{system: recovery target in minutes}; a system with none is left out"
    )
    faults: list[str] = Field([], description="the faults it injects")
    integrity: JsonObject | None = Field(None, description="the data check it makes")


class DrillFault(Payload):
    """A drill injected a fault; the first one starts the drill's recovery clock."""

    KIND = Kind.DRILL_FAULT
    name: str = Field(description="the fault")
    hosts: list[str] = Field([], description="where")
    kind: str = Field(description="`demo` (injected into the demo fleet) or `command`")
    inject: str | None = Field(None, description="the demo injection")
    command: str | None = Field(None, description="the command that injects it")
    in_place_at: str | None = Field(
        None,
        description="when it was first in place, where the recovery clock starts: the"
        " earliest end of its command on a host (absent: the event's time)",
    )


class DrillFaultUndone(Payload):
    """A drill's fault was undone."""

    KIND = Kind.DRILL_FAULT_UNDONE
    name: str = Field(description="the fault")
    hosts: list[str] = Field([], description="where")
    ok: bool = Field(description="undone")
    detail: str = Field("", description="what went wrong")
    left: list[str] | None = Field(
        None, description="the hosts where it is still in place (absent before 7 December 2026)"
    )


class DrillJudged(Payload):
    """The drill's verdict."""

    KIND = Kind.DRILL_JUDGED
    scenario: str = Field(description="its name")
    systems: list[str] = Field([], description="the systems it covered")
    passed: bool = Field(description="every expectation met")
    expected: str = Field("", description="the outcome expected")
    outcome: str = Field("", description="the outcome seen")
    trigger: JsonObject = Field({}, description="`expected`, `actual`, `detected`, `ok`")
    recovery: JsonObject = Field({}, description="{system: recovery time against its target}")
    integrity: JsonObject = Field({}, description="the data check's result")
    faults: list[JsonObject] = Field([], description="`name`, `hosts`, `undone` of each fault")
    findings: list[str] = Field([], description="what failed, in words")
    unknown: list[JsonObject] = Field(
        [],
        description="`host`, `step`, `why` of each host whose outcome the drill left unknown"
        " (a connection lost mid-change, a change still under way): it may still run there",
    )
    left: list[JsonObject] = Field(
        [],
        description="`step`, `title`, `hosts` of each step of the procedure that changes hosts"
        " (a command step it asks before) and ran in the drill: nothing undoes it",
    )
