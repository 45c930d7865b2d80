"""What the execution screen shows above its grid: the step's halt, refusal or undone
banner, and its waves or stages line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from console.ui.palette import themed
from console.ui.widgets.run_summary import stages_text, step_banner, undone_before_text
from console.ui.widgets.waves_line import waves_text

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
    if halted is not None:
        halted = _cut(screen, halted, (h for st in state.steps.values() for h in st.hosts))
    halt.set_class(refused, "-refused")
    halt.set_class(undone is not None, "-undone")
    lines = None
    if step_id:
        st = state.step(step_id)
        rollout = [r for r in state.rollout if r["step"] == step_id]
        width = screen.size.width or None
        lines = stages_text(st, rollout, running) or waves_text(st, running, width)
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


# A banner's reason (a halt, a hold, the hosts refused) in this many lines at most: a probe
# that read badly on 150 hosts named each one, and the banner pushed the grid, and what the
# retry key does, off an 80x24 screen.
REASON_LINES = 3
_SEPARATOR = re.compile(r"[,;] ")
_COUNTED = re.compile(r"\+(\d+) more\b")


def _cut(screen: ExecutionScreen, banner: Text, hosts: Iterable[str]) -> Text:
    """`banner` with its first paragraph cut, at a list separator, to REASON_LINES lines
    of the screen, saying how many hosts it no longer names (the record names them all)."""
    head, newline, _ = banner.plain.partition("\n")
    width = max(20, (screen.size.width or 80) - 1)  # the thick left border
    console = screen.app.console
    if len(banner[: len(head)].wrap(console, width)) <= REASON_LINES:
        return banner
    names = set(hosts)
    budget = REASON_LINES * width
    for _ in range(REASON_LINES * 8):  # bounded: each turn cuts at an earlier separator
        budget -= width // 4
        cuts = [m.start() for m in _SEPARATOR.finditer(head, 0, max(budget, 0))]
        at = cuts[-1] if cuts else max(budget, 0)
        left = {n for n in re.findall(r"[A-Za-z0-9._-]+", head[at:]) if n in names}
        left -= set(re.findall(r"[A-Za-z0-9._-]+", head[:at]))
        # and those the reason itself counted: `a, b, c +47 more did not succeed`, cut
        # after a, read '… and 2 more host(s)' of a wave where 50 failed
        count = len(left) + sum(int(n) for n in _COUNTED.findall(head[at:]))
        # the journal and the document have it whole (the timeline's detail: 8 lines)
        said = ", named in the record" if count else " (the record has it whole)"
        more = f" and {count} more host(s)" if count else ""
        cut = banner[:at] + Text(f" …{more}{said}", style="bold")
        if len(cut.wrap(console, width)) <= REASON_LINES or at == 0:
            return cut + banner[len(head) :] if newline else cut
    return banner
