"""A long command text summed up before it is shown whole, in a run's confirmation.

Seen at 80x24: the example's point-in-time recovery sends 1,059 lines, 1,562 rows in the
dialog, and what this run's values made of them (the data directory, the backup, the
target time, the start and stop commands) lay scattered through them. Now, past
SUMMARY_FROM lines, each stage says how many lines it sends and shows the lines a value
went into, each once (those an earlier stage showed are counted, not shown again); every
line still follows, as it is sent. The lines shown are the commands' own, secrets masked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.text import Text

from console.engine.errors import ProcedureError
from console.engine.plan import strategy_groups
from console.model.filled import filled_lines
from console.model.procedure import StepKind
from console.model.status import COMMAND_STAGE
from console.model.templates import Commands
from console.model.visible import visible
from console.ui.screens.run_said import STAGE, command_lines

if TYPE_CHECKING:
    from console.engine.conductor import Conductor

# Past this many lines (all stages, as the first host gets them) the text is summed up
# first: the dialog shows 13 rows of it at 80x24, and 60 lines are five pages of PgDn.
SUMMARY_FROM = 60
IN_FULL = "Every line it sends, as it is sent:"  # the full text's heading, after the summary


def stage_templates(conductor: Conductor, step_id: str, undo: bool) -> dict[str, str]:
    """Each stage's command template, by the name the step's commands carry (a gradual
    re-enable's `set 25%` is its action's); empty where the strategy's stages cannot be
    made (said when it runs)."""
    step = conductor.step(step_id)
    if step.kind is StepKind.COMMAND:
        return {COMMAND_STAGE: step.command or ""}
    name = step.strategy or conductor.state.strategy
    if not name:
        return {}
    strategy = conductor.settings.strategy(name)
    if undo:
        return {"undo": strategy.commands.undo or ""}
    chosen = strategy.values_in(conductor.state.strategy, conductor.state.params)
    try:
        groups, _ = strategy_groups(strategy, chosen)
    except ProcedureError:
        return {}
    return {stage: template for group in groups for stage, template, _ in group}


def line_count(commands: Commands) -> int:
    """How many lines the commands are, all stages, as the full text shows them."""
    return sum(len(command.shown.strip().splitlines()) for _, command in commands)


def summed_up(
    commands: Commands, templates: Mapping[str, str], width: int
) -> list[tuple[str, Text]]:
    """Stage by stage, its name, its lines counted and those a value went into, each once
    (those an earlier stage showed: counted)."""
    stages: list[tuple[str, Text]] = []
    shown: set[str] = set()
    for stage, command in commands:
        count = len(command.shown.strip().splitlines())
        template = templates.get(stage)
        marked = None if template is None else filled_lines(template, command.shown)
        lines = command.shown.splitlines()
        filled = list(dict.fromkeys(visible(lines[i]) for i in marked or ()))
        new = [line for line in filled if line not in shown]
        head = f"{STAGE}{stage}, {count:,} line{'s' * (count != 1)}"
        if marked is None:  # a redaction masked some of the template's own text
            head += ": which of them take a value is not known here (every line is below)"
        elif not filled:
            head += ": no value goes into any"
        elif not new:
            head += f"; the {len(filled)} with a value are shown above"
        elif len(new) < len(filled):
            head += f"; {len(filled)} with a value, {len(filled) - len(new)} of them shown above:"
        else:
            head += f"; the {len(filled)} with a value:"
        text = Text(head, style="dim")
        for line in new:
            text.append_text(command_lines(line, width))
        stages.append((stage, text))
        shown.update(new)
    return stages
