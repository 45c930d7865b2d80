"""Drills from the console: a scenario of drills.toml run as an incident of its own,
labelled DRILL, watched live on the incident screens, and judged in a report at the end."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import work

from console.engine.conductor import ProcedureError
from console.engine.drill import check_scenario, drill_settings, run_scenario, title_of
from console.model.outcome import Outcome

if TYPE_CHECKING:
    from console.engine.drill_stage import DemoFaults
    from console.model.drills import Scenario
    from console.ui.app import RollbackApp

# What a person may not do to an incident a drill is driving: the drill runs its steps.
DRILL_DRIVES = frozenset(
    {
        "do_step",
        "skip",
        "retry",
        "accept_key",
        "adhoc",
        "other_strategy",
        "verify_unknown",
        "retry_unknown",
        "new",
        "resume",
        "drills",
    }
)


class DrillActions:
    """Mixed into the app; `demo_faults` is the demo fleet when the console runs on it."""

    demo_faults: DemoFaults | None = None
    drilling: str | None = None  # the scenario a drill is running now

    def check_drill_action(self, action: str) -> bool:
        return self.drilling is None or action not in DRILL_DRIVES

    def start_drill(self, name: str) -> None:
        """Open a drill incident for scenario `name`, show it running, judge it."""
        app = cast("RollbackApp", self)
        scenario = app.settings.drills.scenario(name)
        try:
            check_scenario(app.settings, scenario, demo=app.demo_faults is not None)
        except ProcedureError as exc:
            app.notify(str(exc), title="Drill not started", severity="error")
            return
        if app.conductor is not None and app.conductor.running:
            app.notify("A step is running: wait for it first.", severity="warning")
            return
        conductor = app.engine.new_incident(title_of(scenario), drill=True)
        conductor.settings = drill_settings(app.settings, scenario)
        app.attach(conductor)
        app.drilling = name
        app.exec_step = None
        app.action_go("execution")
        app.run_drill(scenario)

    @work(exclusive=True, group="drill", exit_on_error=False)
    async def run_drill(self, scenario: Scenario) -> None:
        from console.ui.screens.drills import DrillReport

        app = cast("RollbackApp", self)
        try:
            assert app.conductor is not None  # start_drill attached it
            verdict = await run_scenario(app.conductor, scenario, app.demo_faults)
        except ProcedureError as exc:
            app.notify(str(exc), title="Drill stopped", severity="error")
            if app.conductor is not None and app.conductor.state.closed_at is None:
                app.conductor.close(Outcome.REFUSED, str(exc))
            return
        finally:
            app.drilling = None
            app.refresh_bindings()
        app._flush_events()
        app.push_screen(DrillReport(verdict))
