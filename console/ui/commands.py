"""Command palette: jump to systems, hosts and steps; export, abort, add a note."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from console.ui.screens.base import IncidentScreen
from console.ui.widgets.host_grid import HostGrid

if TYPE_CHECKING:
    from console.ui.app import RollbackApp
    from console.ui.screens.checklist import ChecklistScreen
    from console.ui.screens.execution import ExecutionScreen
    from console.ui.screens.timeline import TimelineScreen


class IncidentCommands(Provider):
    """Commands for the open incident (none before one is open)."""

    @property
    def rollback_app(self) -> RollbackApp:
        """The app, as this console's (the app module imports this one: imported late)."""
        from console.ui.app import RollbackApp

        app = self.app
        assert isinstance(app, RollbackApp)
        return app

    # The incident's screens, installed under their names from the screen table (their
    # modules load when an incident is attached, not with the app: not imported here).
    def _checklist(self) -> ChecklistScreen:
        return cast("ChecklistScreen", self.rollback_app.get_screen("checklist"))

    def _execution_screen(self) -> ExecutionScreen:
        return cast("ExecutionScreen", self.rollback_app.get_screen("execution"))

    def _timeline_screen(self) -> TimelineScreen:
        return cast("TimelineScreen", self.rollback_app.get_screen("timeline"))

    def _commands(self) -> list[tuple[str, Callable[[], None], str]]:
        app = self.rollback_app
        watch: list[tuple[str, Callable[[], None], str]] = []
        if app.live.countdown is not None:
            watch.append(
                ("Cancel the automatic rollback countdown", self._cancel, "needs a reason")
            )
        # Only on the incident's own screens: on the home screen the incident last driven
        # is out of view, and its commands read as the home screen's (Abort the whole
        # incident, with none open there).
        if app.conductor is None or not isinstance(self.screen, IncidentScreen):
            return watch
        key = app.key_label
        out: list[tuple[str, Callable[[], None], str]] = [*watch]
        if not app.conductor.state.closed:  # what only an open incident can do
            out += [
                (
                    "Close the incident with its outcome…",
                    app.action_close_incident,
                    key("incident.close"),
                ),
                (
                    "Abort the whole incident…",
                    app.aborting.prompt_abort_incident,
                    "closes it as aborted",
                ),
                ("Hand over command…", app.lifecycle.prompt_hand_over, "to whom: an event"),
                ("Run an ad-hoc command…", partial(self._execution, "adhoc"), "all hosts or one"),
                (
                    "Accept the highlighted host's key…",
                    partial(self._execution, "accept_key"),
                    key("execution.hostkey"),
                ),
                ("Abort the running step", app.prompt_abort, "asks for a reason"),
            ]
        out += [
            ("Export the rollback document", partial(app.action_go, "export"), key("go.export")),
            (
                "Assessment and data integrity",
                partial(self._execution, "assessment"),
                key("execution.assessment"),
            ),
            ("Add a note to the timeline", app.prompt_note, "becomes an event"),
            (
                "Annotate the highlighted timeline event…",
                self._annotate,
                f"{app.key_label('timeline.annotate')} on the timeline",
            ),
            (
                "Preview the commands of the highlighted step",
                self._preview,
                f"{key('checklist.preview')}, sends nothing",
            ),
            ("Post-rollback form", partial(app.action_go, "form"), key("go.form")),
        ]
        for system in app.settings.inventory.systems:
            out.append(
                (f"System {system.name}", partial(self._timeline, system.name), "timeline filter")
            )
            for host in system.hosts:
                out.append((f"Host {host.name}", partial(self._host, host.name), system.name))
        for number, step in enumerate(app.settings.procedure.steps, 1):
            out.append(
                (f"Step {number}: {step.title}", partial(self._step, step.id), step.kind.value)
            )
        return out

    def _execution(self, action: str) -> None:
        self.rollback_app.action_go("execution")
        getattr(self._execution_screen(), f"action_{action}")()

    def _annotate(self) -> None:
        self.rollback_app.action_go("timeline")
        self._timeline_screen().action_annotate()

    def _preview(self) -> None:
        self.rollback_app.action_go("checklist")
        self._checklist().action_preview()

    def _cancel(self) -> None:
        from console.ui.screens.home import HomeScreen

        home = next(s for s in self.app.screen_stack if isinstance(s, HomeScreen))
        home.action_cancel_countdown()

    def _timeline(self, text: str) -> None:
        self.rollback_app.action_go("timeline")
        self._timeline_screen().set_filter(text)

    def _host(self, host: str) -> None:
        execution = self._execution_screen()
        grid = execution.query_one("#grid", HostGrid) if execution.is_mounted else None
        if grid is not None and host in grid.rows:
            self.rollback_app.action_go("execution")
            grid.move_to_key(host)
        else:
            self._timeline(host)

    def _step(self, step_id: str) -> None:
        self.rollback_app.action_go("checklist")
        self._checklist().select_step(step_id)

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands()[:6]:
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
