"""The home's incidents, one row each: id, title, whose (once a teammate's is listed),
outcome and age, cut to the table's width so that no column is lost."""

from __future__ import annotations

import textwrap
from datetime import datetime

from textual.widgets import DataTable

from console.engine.listing import IncidentSummary
from console.model.outcome import ROLLED_BACK, Outcome, done_word
from console.model.triggers import without_label
from console.model.undo_went import (
    FAILED,
    HELD,
    IN_PART,
    REFUSED,
    RUNNING,
    SINCE,
    UNDONE,
    UNKNOWN,
)
from console.model.visible import visible
from console.ui.widgets.plain import plain

AGE_WIDTH = 7  # "119 min"
OWNER_WIDTH = 8  # the "By" column's account names, cut beyond
OUTCOME_WIDTH = 14
OUTCOME_WHOLE = 36  # `↶ rolled back, an undo failed since` whole, when there is room
# At OUTCOME_WIDTH, the undo alone: one refused on every host changed nothing (it read
# "↶ undo failed").
UNDO_SHORT = {
    UNDONE: "↶ undone since",
    IN_PART: "↶ part undone",
    REFUSED: "↶ undo refused",
    FAILED: "↶ undo failed",
    UNKNOWN: "↶ undo unknown",
    RUNNING: "↶ undo started",
    HELD: "↶ undo held",
}
CELL_PADDING = 2  # a DataTable cell's padding, both sides
SPARE = 1  # columns left at the table's right edge
MARKS = {
    Outcome.UNVERIFIED: "◑",
    Outcome.PARTIAL: "◐",
    Outcome.NOT_NEEDED: "○",
    Outcome.DISMISSED: "○",
    Outcome.HANDED_OVER: "→",
    Outcome.REFUSED: "⊘",  # nothing to do where it was refused: nothing changed there
}


def _outcome(summary: IncidentSummary, width: int = 80) -> str:
    """`✔ rolled back`, `◐ partial`, `○ false alarm`, `✘ aborted`, `↶ rolled back, undone
    since` (or `an undo failed since`, `an undo refused since`, `undone in part since`,
    `an undo started since, not ended`, `an undo held between stages since`), `✘ drill failed` (a drill judged so), `✔ drill
    passed` (one that expected its rollback to fail, or to halt), or `… open`,
    cut at a word; the export has the reason, the hosts or the successor."""
    if summary.outcome is None:
        return "… open"
    if summary.drill_failed:  # a drill is for its verdict: a failed one is never a tick
        return textwrap.shorten("✘ drill failed", width, placeholder=" …")
    try:
        outcome = Outcome(summary.outcome)
    except ValueError:  # an older journal: the outcome in words
        return textwrap.shorten(f"· {summary.outcome}", width, placeholder=" …")
    short = outcome.short.replace(ROLLED_BACK, done_word(summary.outcome_label))
    if summary.undo:  # what the close said may no longer stand: never a tick
        said = f"↶ {short}, {SINCE[summary.undo]}"  # narrow, the undo alone: `↶ rolled …` hid it
        if len(said) > width:
            said = UNDO_SHORT[summary.undo]
        return textwrap.shorten(said, width, placeholder=" …")
    if summary.drill and not outcome.good:  # it passed: it expected this (halted, failed)
        return textwrap.shorten("✔ drill passed", width, placeholder=" …")
    mark = "✔" if outcome.good else MARKS.get(outcome, "✘")
    return textwrap.shorten(f"{mark} {short}", width, placeholder=" …")


def _fitted(title: str, width: int) -> str:
    """The title, or where it does not fit, its reason without the trigger's label."""
    return title if len(title) <= width else without_label(title)


def age(opened: datetime | None, now: datetime) -> str:
    """How long ago an incident opened: `<1 min`, `12 min`, `3 h`, `2 d`."""
    if opened is None:
        return "–"
    minutes = int((now - opened).total_seconds() // 60)
    if minutes < 1:
        return "<1 min"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h" if minutes < 48 * 60 else f"{minutes // 1440} d"


def fill_incidents(
    table: DataTable, found: list[IncidentSummary], width: int, now: datetime
) -> None:
    """Each incident with its id, title, outcome and age in `width` columns; at 80 the title
    and the outcome are cut at a word, and no column is lost, scrollbar or not."""
    # Whose each one is, once a teammate's is listed (a team's journal_dir).
    team = any(s.custody is not None and not s.custody.mine for s in found)
    names = ("Incident", "Title", *(("By",) if team else ()), "Outcome", "Age")
    id_width = max([len(names[0]), *(len(s.incident_id) for s in found)])
    # Room for the vertical scrollbar too: with more incidents than the table shows
    # (or a banner above it), the scrollbar would otherwise cover the age.
    bar = table.styles.scrollbar_size_vertical
    by = OWNER_WIDTH + CELL_PADDING if team else 0
    # and one column spare: a table filled to its last column drew, or did not, an empty
    # cell there, from one redraw to the next (the home's snapshots differed at random)
    room = max(24, width - bar - id_width - AGE_WIDTH - CELL_PADDING * 4 - by - SPARE)
    # Wider than 80 columns, the outcome is said whole (`↶ rolled back, undone since`).
    outcome_width = max(OUTCOME_WIDTH, min(OUTCOME_WHOLE, room // 3))
    title_width = room - outcome_width
    # Widths given, not measured: a measured column never narrows again (Textual keeps
    # its widest cell's width), and a title cut for a narrower table pushed the outcome
    # and the age off its edge.
    widths = [id_width, title_width, *([OWNER_WIDTH] if team else []), outcome_width, AGE_WIDTH]
    columns = [(c.label.plain, c.width) for c in table.columns.values()]
    if columns != list(zip(names, widths, strict=True)):
        table.clear(columns=True)
        for name, size in zip(names, widths, strict=True):
            table.add_column(plain(name), width=size)
    table.clear()
    for summary in found:
        title = visible(summary.title)
        if summary.drill:  # a scenario's title begins with "Drill" already: said once
            title = "DRILL " + title.removeprefix("Drill ")
        owner = (summary.custody.owner if summary.custody else "")[:OWNER_WIDTH]
        table.add_row(  # what a journal holds is shown, never obeyed
            plain(summary.incident_id),
            plain(textwrap.shorten(_fitted(title, title_width), title_width, placeholder=" …")),
            *((plain(owner),) if team else ()),
            plain(_outcome(summary, outcome_width)),
            age(summary.opened_at, now),
            key=str(summary.path),
        )
