"""Drills from the console: a scenario of drills.toml run as an incident of its own,
labelled DRILL, watched live on the incident screens, and judged in a report at the end."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from console.engine.conductor import ProcedureError
from console.engine.drill import check_scenario, drill_settings, run_scenario, title_of

if TYPE_CHECKING:
    from console.engine.drill_stage import DemoFaults

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
        scenario = self.settings.drills.scenario(name)
        try:
            check_scenario(self.settings, scenario, demo=self.demo_faults is not None)
        except ProcedureError as exc:
            self.notify(str(exc), title="Drill not started", severity="error")
            return
        if self.conductor is not None and self.conductor.running:
            self.notify("A step is running: wait for it first.", severity="warning")
            return
        conductor = self.engine.new_incident(title_of(scenario), drill=True)
        conductor.settings = drill_settings(self.settings, scenario)
        self.attach(conductor)
        self.drilling = name
        self.exec_step = None
        self.action_go("execution")
        self.run_drill(scenario)

    @work(exclusive=True, group="drill", exit_on_error=False)
    async def run_drill(self, scenario) -> None:
        from console.ui.screens.drills import DrillReport

        try:
            verdict = await run_scenario(self.conductor, scenario, self.demo_faults)
        except ProcedureError as exc:
            self.notify(str(exc), title="Drill stopped", severity="error")
            if self.conductor is not None and self.conductor.state.closed_at is None:
                self.conductor.close(f"refused: {exc}")
            return
        finally:
            self.drilling = None
            self.refresh_bindings()
        self._flush_events()
        self.push_screen(DrillReport(verdict))
