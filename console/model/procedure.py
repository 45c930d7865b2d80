"""The checklist: three phases of steps, as the procedure document orders them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from console.model.bounds import YEAR_SECONDS
from console.model.form_fields import FormField as FormField
from console.model.frozen import (
    EMPTY_SHOWN,
    After,
    Frozen,
    checked_after,
    empty_list,
    in_turn,
    ruled,
)
from console.model.later import later
from console.model.notify_kinds import NOTIFY_VALUES, ChannelKind, Severity
from console.model.problems import Loc, did_you_mean, located_error
from console.model.shell_quotes import quoted_placeholders
from console.model.templates import IMPLICIT_VALUES, template_problems
from console.model.trigger_settings import Soak

if TYPE_CHECKING:
    from console.model.channels import Channel
else:  # imported at its first use: most procedures have no [[channels]] (issue 18)
    Channel = later("console.model.channels", "Channel")


class Phase(StrEnum):
    IMMEDIATE = "immediate"
    EXECUTION = "execution"
    POST = "post"

    @property
    def label(self) -> str:
        return PHASE_TITLES[self]


PHASE_TITLES = {
    Phase.IMMEDIATE: "Immediate actions",
    Phase.EXECUTION: "Rollback execution",
    Phase.POST: "Post-rollback activities",
}


class StepKind(StrEnum):
    MANUAL = "manual"
    COMMAND = "command"
    STRATEGY = "strategy"
    PROBE = "probe"
    NOTIFY = "notify"
    FORM = "form"


class StepRecord(StrEnum):
    """What a command step's output is also journalled as."""

    HALT = "halt"
    ASSESSMENT = "assessment"


@dataclass(init=False, repr=False, eq=False, kw_only=True)  # required after defaults
class Step(Frozen):
    """One checklist item. Which keys apply depends on `kind`."""

    id: str = ruled(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    title: str = ruled(min_length=1)
    kind: StepKind
    description: str = ""
    command: str | None = None
    strategy: str | None = None
    fields: Annotated[list[FormField], EMPTY_SHOWN] = field(default_factory=empty_list)
    # A form step is done once these are filled: all its fields unless it names some.
    required_fields: list[FormField] | None = None
    records: StepRecord | None = None
    # a notify step's [[channels]], by name
    channels: Annotated[list[str], EMPTY_SHOWN] = field(default_factory=empty_list)
    message: str = "{{incident}} ({{phase}}): {{summary}}"
    severity: Severity = Severity.AUTO
    # minutes between status updates
    every: float | None = ruled(None, gt=0, le=YEAR_SECONDS / 60, strict=True)
    required: bool = False  # a notify step fails only when this says so
    soak: Soak | None = None  # a probe step's own window, else triggers.toml's
    # A command or strategy step shows its rendered command and host count and asks
    # before it sends anything; `confirm = false` for a read-only step.
    confirm: bool = True

    @property
    def must_fill(self) -> list[FormField]:
        """The fields a form step is done once filled."""
        return self.fields if self.required_fields is None else self.required_fields

    @property
    def asks(self) -> bool:
        """Whether running it asks the commander first (it changes hosts)."""
        return self.confirm and self.kind in (StepKind.COMMAND, StepKind.STRATEGY)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return checked_after(handler(source), in_turn(_kind_needs, _templates_name_values))


def _kind_needs(step: Step) -> Step:
    if step.kind is StepKind.COMMAND and not step.command:
        raise ValueError("a command step needs a command")
    if step.kind is StepKind.NOTIFY and not (step.command or step.channels):
        raise ValueError("a notify step needs channels, a command, or both")
    if step.records and step.kind is not StepKind.COMMAND:
        raise ValueError("only a command step records a halt or an assessment")
    notify_only = [k for k in ("channels", "every", "required") if getattr(step, k)]
    if notify_only and step.kind is not StepKind.NOTIFY:
        raise ValueError(f"only a notify step has {', '.join(notify_only)}")
    if step.kind is StepKind.FORM and not step.fields:
        raise ValueError("a form step needs fields")
    if step.required_fields is not None and step.kind is not StepKind.FORM:
        raise ValueError("only a form step has required_fields")
    if stray := [f.value for f in step.required_fields or () if f not in step.fields]:
        raise ValueError(f"required_fields names {', '.join(stray)}, not among its fields")
    if step.kind is not StepKind.STRATEGY and step.strategy:
        raise ValueError("only a strategy step names a strategy")
    if step.command and step.kind not in (StepKind.COMMAND, StepKind.NOTIFY):
        # never run, and nothing said: a hurried `kind = "manual"` over a real command
        raise located_error(
            "Step",
            [
                (
                    ("command",),
                    f'a {step.kind.value} step runs no command; kind = "command" runs it'
                    " on the hosts (a notify step's, on this jump host)",
                )
            ],
        )
    if step.fields and step.kind is not StepKind.FORM:
        raise located_error("Step", [(("fields",), "only a form step has fields")])
    if step.soak and step.kind is not StepKind.PROBE:
        raise ValueError("only a probe step has a soak window")
    return step


def _templates_name_values(step: Step) -> Step:
    """A command step names the host's values; a notify step the incident's."""
    notify = step.kind is StepKind.NOTIFY
    available = {
        "command": NOTIFY_VALUES | {"message"} if notify else IMPLICIT_VALUES,
        "message": NOTIFY_VALUES,
    }
    problems = [
        ((key,), problem)
        for key, names in available.items()
        for problem in template_problems(getattr(step, key) or "", names)
        if key == "command" or notify
    ]
    problems += [(("command",), p) for p in quoted_placeholders(step.command or "")]
    if problems:
        raise located_error("Step", problems)
    return step


def _ordered_and_unique(phases: list[PhaseSteps]) -> list[PhaseSteps]:
    order = [p.phase for p in phases]
    if order != list(Phase):
        raise ValueError(f"phases must be {', '.join(Phase)} in that order")
    return phases


@dataclass(init=False, repr=False, eq=False)
class PhaseSteps(Frozen):
    phase: Phase
    steps: list[Step] = ruled(min_length=1)


@dataclass(init=False, repr=False, eq=False)
class Procedure(Frozen):
    """The guided checklist, phase by phase."""

    name: str = "Rollback procedure"
    phases: Annotated[list[PhaseSteps], After(_ordered_and_unique)] = ruled(
        min_length=3, max_length=3
    )
    channels: Annotated[list[Channel], EMPTY_SHOWN] = field(default_factory=empty_list)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return checked_after(handler(source), in_turn(_channels_resolve, _unique_steps))

    @property
    def steps(self) -> list[Step]:
        return [s for p in self.phases for s in p.steps]

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)

    def channel(self, name: str) -> Channel:
        return next(c for c in self.channels if c.name == name)

    @property
    def pagers(self) -> list[Channel]:
        """The PagerDuty channels: each follows the incident (trigger, acknowledge, resolve)."""
        return [c for c in self.channels if c.kind is ChannelKind.PAGERDUTY]

    def phase_of(self, step_id: str) -> Phase:
        return next(p.phase for p in self.phases if any(s.id == step_id for s in p.steps))


def _channels_resolve(procedure: Procedure) -> Procedure:
    names = [c.name for c in procedure.channels]
    problems: list[tuple[Loc, str]] = [
        (("channels", i, "name"), f"channel {name!r} is declared twice")
        for i, name in enumerate(names)
        if name in names[:i]
    ]
    problems += [
        (
            ("phases", i, "steps", j, "channels", k),
            f"no channel is named {name!r}{did_you_mean(name, names)};"
            f" known: {', '.join(names) or 'none'}",
        )
        for i, phase in enumerate(procedure.phases)
        for j, step in enumerate(phase.steps)
        for k, name in enumerate(step.channels)
        if name not in names
    ]
    if problems:
        raise located_error("Procedure", problems)
    return procedure


def _unique_steps(procedure: Procedure) -> Procedure:
    """A step id used twice, said at the second one."""
    seen: set[str] = set()
    twice: list[tuple[Loc, str]] = []
    for i, phase in enumerate(procedure.phases):
        for j, step in enumerate(phase.steps):
            if step.id in seen:
                twice.append(
                    (("phases", i, "steps", j, "id"), f"step id {step.id!r} is used twice")
                )
            seen.add(step.id)
    if twice:
        raise located_error("Procedure", twice)
    return procedure
