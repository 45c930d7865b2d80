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
    used, drills OVERDUE or not counted, in the alert's colour; one line at 80 columns."""
    prompt = Text(f"Press {app.key_label('home.new')} to declare a new incident.")
    alerts = ["drills.toml not used"] if app.drills.file.problem else []
    what = "" if alerts else " drill(s)"  # one line at 80 columns
    alerts += [f"{schedule.overdue}{what} OVERDUE"] if schedule.overdue else []
    if schedule.uncounted:  # the drills screen names them, as `drill --status` does
        what = "" if alerts else " drill(s)"  # one line at 80 columns
        alerts.append(f"{schedule.uncounted}{what} not counted")
    if alerts:
        prompt.append(
            f"  ▲ {', '.join(alerts)} · {app.key_label('home.drills')}",
            style=themed("bold $error"),  # the alert's colour
        )
    return prompt
