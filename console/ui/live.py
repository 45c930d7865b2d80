"""The live watch: the engine's Watcher in a worker, its updates coalesced into messages,
and what a firing does when no incident is open (propose: an alert; auto: a countdown)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from console.engine.conductor import Conductor
from console.engine.verify import record_firing, take_up
from console.engine.watcher import Firing, Watcher, WatchUpdate, with_others
from console.model.probes import Policy
from console.ui.messages import WatchChanged

if TYPE_CHECKING:
    from console.ui.app import RollbackApp

FLUSH_SECONDS = 1 / 10


class LiveWatch:
    """Owns the app's Watcher: samples in a worker while `sampling`, posts WatchChanged."""

    def __init__(self, app: RollbackApp, watcher: Watcher, *, sampling: bool = True):
        self.app = app
        self.watcher = watcher
        self.sampling = sampling
        self.alert: Firing | None = None  # the latest firing not yet taken up
        self._whats: set[str] = set()
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def countdown(self):
        return self.watcher.countdown

    def start(self) -> None:
        self._unsubscribe = self.watcher.subscribe(self._on_update)
        self.app.set_interval(FLUSH_SECONDS, self.flush)
        if self.sampling and self.watcher.readings:
            self.app.run_worker(self.watcher.watch(), group="watch", exit_on_error=False)

    def stop(self) -> None:
        self.watcher.stop()
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_update(self, update: WatchUpdate) -> None:
        """Called by the watcher for every sample: only note what changed here."""
        self._whats.add(update.what)
        if update.what == "fired" and update.firing is not None:
            self.fired(update.firing)

    def flush(self) -> None:
        if not self._whats:
            return
        whats, self._whats = self._whats, set()
        for screen in self.app.screen_stack:
            screen.post_message(WatchChanged(whats))

    # -- firings ---------------------------------------------------------------------

    def incident_open(self) -> bool:
        conductor = self.app.conductor
        return conductor is not None and conductor.state.trigger is not None

    def fired(self, firing: Firing) -> None:
        """A trigger fired: alert (the one to take by precedence among those firing now);
        with policy auto and no incident open, count down, unless a person is declaring
        one at the keyboard (then it stays a proposal)."""
        self.alert = self.watcher.firing() or firing
        auto = firing.trigger.policy is Policy.AUTO
        if auto and not self.incident_open() and self.watcher.countdown is None:
            if getattr(self.app.screen, "person_declaring", False):
                self.app.notify(
                    f"{firing.reason}. Not started: you are declaring. It stays proposed"
                    " (P on the home screen takes it up).",
                    title="Automatic trigger fired",
                    severity="warning",
                )
                return
            self.app.run_worker(
                self._auto(firing), group="countdown", exclusive=True, exit_on_error=False
            )

    async def _auto(self, firing: Firing) -> None:
        """Open the incident, count down (journalled); when it elapses, go and pick."""
        from console.ui.screens.picker import PickerScreen

        conductor = self.open_incident(firing)
        started = await take_up(conductor, self.watcher, firing)
        self._whats.add("countdown.ended")
        if started:
            self.alert = None
            self.app.notify(firing.reason, title="Automatic rollback started", severity="error")
            self.app.push_screen(PickerScreen(preselect=[firing.trigger.system]))

    def open_incident(self, firing: Firing) -> Conductor:
        """The attached incident if it has no trigger yet, else a new one, attached."""
        app = self.app
        conductor = app.conductor
        if conductor is None or conductor.state.trigger is not None:
            conductor = app.engine.new_incident(
                firing.trigger.kind.incident_title(firing.reason), incident_id=app.next_incident_id
            )
            app.next_incident_id = None
            app.attach(conductor)
        return conductor

    async def declare(self, firing: Firing, reason: str) -> None:
        """The commander confirms a firing: journal it, then declare it with its evidence;
        the other triggers firing now are journalled and added to it."""
        conductor = self.open_incident(firing)
        if firing.trigger.policy is Policy.PROPOSE:
            await take_up(conductor, self.watcher, firing)
        else:
            record_firing(conductor.recorder, firing)
        others = self.also_firing(firing)
        for other in others:
            record_firing(conductor.recorder, other)
        default, evidence = with_others(firing, others)
        conductor.declare_trigger(firing.trigger.kind, reason.strip() or default, evidence=evidence)
        self.alert = None

    def also_firing(self, firing: Firing) -> list[Firing]:
        """The other triggers firing now: evidence for `firing`, named in its reason."""
        return [f for f in self.watcher.firing_now() if f.trigger.name != firing.trigger.name]

    def proposed_reason(self, firing: Firing) -> str:
        return with_others(firing, self.also_firing(firing))[0]

    def cancel(self, reason: str) -> str | None:
        """Cancel the running countdown; an error message, or None when cancelled."""
        try:
            self.watcher.cancel_countdown(reason)
        except ValueError as exc:
            return str(exc)
        self.alert = None
        return None
