"""Drills from the console: a scenario of drills.toml run as an incident of its own,
labelled DRILL, watched live on the incident screens, and judged in a report at the end."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Protocol

from console.engine.errors import LockRefused, ProcedureError, StaleLock
from console.engine.session import Engine
from console.model.outcome import Outcome
from console.model.settings import Settings
from console.ui.console_app import AppPart
from console.ui.drills_file import DrillsFile

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.engine.drill_stage import DemoFaults
    from console.model.drills import Scenario
    from console.ui.live import LiveWatch

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


class DrillHost(AppPart, Protocol):
    """What a drill asks of the console app, beyond what every part may use."""

    settings: Settings
    engine: Engine
    exec_step: str | None
    live: LiveWatch

    def attach(self, incident: Conductor) -> None: ...
    def action_go(self, name: str) -> None: ...
    def refresh_bindings(self) -> None: ...
    def flush_events(self) -> None: ...
    def offer_lock_takeover(self, refusal: StaleLock, retry: Callable[[str], None]) -> None: ...


class DrillControl:
    """The app's drills: `demo_faults` is the demo fleet when the console runs on it,
    `running` the scenario a drill is running now (a person may not drive it meanwhile),
    `systems` those its commands go to (its locks): what its faults fire there is its own."""

    def __init__(self, app: DrillHost):
        self.app = app
        self.demo_faults: DemoFaults | None = None
        self.running: str | None = None
        self.systems: list[str] = []
        settings = app.settings
        self.file = DrillsFile(settings.directory, settings.files_read, settings.ansible_read)

    def read_again(self) -> bool:
        """drills.toml read again where it changed and the configuration loads with it
        (DrillsFile.look; safe in a thread): True when what the screens show of it
        changed, the drills now the file's (said in a toast) or the file not used."""
        problem = self.file.problem
        settings = self.file.look()
        if settings is None:
            return self.file.problem != problem
        self.app.settings = settings
        drills = settings.drills
        self.app.notify(
            f"drills.toml read again: {len(drills.scenarios)} scenario(s),"
            f" {len(drills.schedule)} schedule entr(ies); the drills are those now.",
            title="Drills changed",
        )
        return True

    def as_shown(self) -> bool:
        """Whether the drills listed are still drills.toml's: when it changed since, or
        cannot be used as it is now, no drill starts from that list (it is said why)."""
        if self.read_again() or self.file.problem:
            changed = "drills.toml changed since the list was shown: it shows it as it is now"
            self.app.notify(
                self.file.problem or changed,
                title="Drill not started",
                severity="error",
                markup=False,
            )
            return False
        return True

    def allows(self, action: str) -> bool:
        return self.running is None or action not in DRILL_DRIVES

    def start(self, name: str, take_over: str | None = None) -> None:
        """Open a drill incident for scenario `name`, show it running, judge it. Its
        systems' locks are claimed before the incident is recorded, as a declared
        incident's are: another incident's lock refuses it with nothing written, and a
        stale one (its console died) is taken over only with a reason, asked here and
        journalled (`take_over`). The drill engine (and the walk, the runner and the plan
        under it) loads with the first drill: not on the console's way to its first
        frame."""
        from console.engine.drill import check_scenario, drill_settings, drill_systems, title_of

        app = self.app
        if not self.as_shown():  # not the scenario the person confirmed
            return
        scenario = app.settings.drills.scenario(name)
        try:
            check_scenario(app.settings, scenario, demo=self.demo_faults is not None)
        except ProcedureError as exc:
            app.notify(str(exc), title="Drill not started", severity="error")
            return
        if app.conductor is not None and app.conductor.running:
            app.notify("A step is running: wait for it first.", severity="warning")
            return
        systems = drill_systems(app.settings, scenario)
        try:
            conductor = app.engine.new_incident(
                title_of(scenario), drill=True, systems=systems, take_over=take_over
            )
        except StaleLock as exc:
            app.offer_lock_takeover(exc, partial(self.start, name))
            return
        except LockRefused as exc:  # a live holder: never taken over; why it is kept too
            said = exc.said().removeprefix("refused: ")
            app.notify(said, title="Drill not started", severity="error", markup=False)
            return
        conductor.settings = drill_settings(app.settings, scenario)
        app.attach(conductor)
        self.running, self.systems = name, systems
        app.exec_step = None
        app.action_go("execution")
        app.run_worker(self._run(scenario), group="drill", exclusive=True, exit_on_error=False)

    async def _run(self, scenario: Scenario) -> None:
        from console.engine.drill import run_scenario
        from console.ui.screens.drills import DrillReport

        app = self.app
        try:
            assert app.conductor is not None  # start attached it
            verdict = await run_scenario(app.conductor, scenario, self.demo_faults)
        except ProcedureError as exc:
            app.notify(str(exc), title="Drill stopped", severity="error")
            if app.conductor is not None and app.conductor.state.closed_at is None:
                app.conductor.close(Outcome.REFUSED, str(exc))
            return
        finally:
            self.running = None
            app.live.drill_over(self.systems)  # its faults' firings are no real trigger
            app.refresh_bindings()
        app.flush_events()
        app.push_screen(DrillReport(verdict, _kept_said(app.conductor, verdict)))


def _kept_said(conductor: Conductor | None, verdict: dict) -> str:
    """`The lock on web is kept: a drill's fault is NOT undone on web-2. Undo it there;
    once this console has quit, ...`: its close kept the lock for a fault in place (seen:
    the report said NOT undone alone, nothing of the lock nor of what releases it; nor,
    with a host left unknown, of a fault left on another system, whose lock was kept too)."""
    from console.engine.kept_locks import fault_hosts_left, fault_kept_said

    kept = conductor.locks_kept if conductor is not None else []
    if not kept or not (left := fault_hosts_left(verdict)):
        return ""
    if verdict.get("unknown") and conductor is not None:  # kept for those too: said apart
        systems = {conductor.state.hosts.get(host) for host in left}
        kept = [s for s in kept if s in systems]
    return fault_kept_said(kept, left, console=True) if kept else ""
