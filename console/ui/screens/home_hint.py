"""The home screen's first line: what to press, and the drills that need the commander."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from console.ui.palette import themed

if TYPE_CHECKING:
    from console.ui.app import RollbackApp
    from console.ui.widgets.drill_schedule import DrillSchedule


def hint_text(app: RollbackApp, schedule: DrillSchedule) -> Text:
    """`Press n to declare a new incident.  ▲ 2 drill(s) OVERDUE · d`: drills.toml not
    used, drills OVERDUE or not counted, in the alert's colour; else drills DUE, in the
    schedule's colour for DUE (`◆ 1 drill(s) DUE · d`). One line at 80 columns, kept in
    view above the screen's body: at 80x24 the schedule is below the fold once a few
    incidents are listed."""
    prompt = Text(f"Press {app.key_label('home.new')} to declare a new incident.")
    alerts = ["drills.toml not used"] if app.drills.file.problem else []
    what = "" if alerts else " drill(s)"  # one line at 80 columns
    alerts += [f"{schedule.overdue}{what} OVERDUE"] if schedule.overdue else []
    if schedule.uncounted:  # the drills screen names them, as `drill --status` does
        what = "" if alerts else " drill(s)"  # one line at 80 columns
        alerts.append(f"{schedule.uncounted}{what} not counted")
    mark, style = "▲", "bold $error"  # the alert's colour
    if not alerts and schedule.due:
        alerts, mark, style = [f"{schedule.due} drill(s) DUE"], "◆", "bold $warning"  # the table's
    if alerts:
        prompt.append(
            f"  {mark} {', '.join(alerts)} · {app.key_label('home.drills')}", style=themed(style)
        )
    return prompt
