"""What the execution screen shows above its grid: the step's halt, refusal or undone
banner, and its waves or stages line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from console.ui.palette import themed
from console.ui.widgets.run_summary import stages_text, step_banner, undone_before_text, waves_text

if TYPE_CHECKING:
    from console.ui.screens.execution import ExecutionScreen


def show_banners(screen: ExecutionScreen, step_id: str | None) -> None:
    """Above the grid: the step's halt, refusal or undone banner (if any), and its waves
    or stages line (kept, blank, while its first wave is coming)."""
    halt = screen.query_one("#exec-halt", Static)
    waves = screen.query_one("#exec-waves", Static)
    retry = screen.app.key_label("execution.retry")
    state = screen.incident.state
    running = step_id in screen.incident.running
    halted, refused = step_banner(state, step_id, retry, running) if step_id else (None, False)
    # Else, a step after an undone strategy step: what it works on (the run asked).
    undone = None if halted or not step_id else undone_before_text(screen.incident, step_id)
    if undone is not None:
        halted = Text.assemble((" ↶ UNDONE ", themed("bold reverse $warning")), f" {undone}")
    halt.set_class(refused, "-refused")
    halt.set_class(undone is not None, "-undone")
    lines = None
    if step_id:
        st = state.step(step_id)
        rollout = [r for r in state.rollout if r["step"] == step_id]
        lines = stages_text(st, rollout, running) or waves_text(st, running)
    # A fixed height, not auto: a wave's update redraws the line, with no layout pass.
    waves.set_class(lines is not None and "\n" in lines.plain, "-earlier")
    halt.display, waves.display = halted is not None, lines is not None or waves_coming(screen)
    screen.show(halt, halted or "")
    screen.show(waves, lines or "")


def waves_coming(screen: ExecutionScreen) -> bool:
    """Whether the step this screen opened to run has yet to start its first wave
    (its hosts are dialled first): its waves line is there from the start, blank;
    the line appearing a second later laid the whole screen out (bench/RESULTS.md)."""
    step_id = screen.app.exec_step
    return (
        step_id is not None
        and step_id == screen.step_id
        and not screen.incident.state.step(step_id).status.finished
        and not screen.is_probe(step_id)
    )
