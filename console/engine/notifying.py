"""The conductor's notifier, made when first used: exec and most runs send no status
update (issue 18). A PagerDuty channel follows the journal (engine/pager.py): the notifier
is then made by the first event it acts on (a trigger declared; the rollback's start or
the close of an incident a trigger paged for), which it is handed; exec's incidents have
none, and load none of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.model.events import Event, Kind
from console.model.payloads.steps import StepData
from console.model.settings import Settings

if TYPE_CHECKING:
    from console.engine.notifier import Notifier
    from console.journal.recorder import Recorder

STEP_KINDS = (Kind.STEP_STARTED, Kind.STEP_CONFIRMED, Kind.STEP_SKIPPED)


def page_action(event: Event) -> str | None:
    """What a PagerDuty channel does on `event`, if anything."""
    if event.kind == Kind.TRIGGER_DECLARED:
        return "trigger"
    if event.kind in STEP_KINDS and event.payload(StepData).phase == "execution":
        return "acknowledge"
    if event.kind == Kind.INCIDENT_CLOSED:
        return "close"
    return None


class Notifying:
    """Makes the notifier with `settings` (a drill's own settings do not reach it)."""

    def __init__(self, settings: Settings, recorder: Recorder):
        self._of = (settings, recorder)
        self.made: Notifier | None = None
        self._unheard = recorder.subscribe(self._heard) if settings.procedure.pagers else None

    def get(self) -> Notifier:
        if self.made is None:
            from console.engine.notifier import Notifier

            self.made = Notifier(*self._of)  # its pager hears the events after this one
            if self._unheard is not None:
                self._unheard()
                self._unheard = None
        return self.made

    def _heard(self, event: Event) -> None:
        """A pager acknowledges and resolves only what it triggered: an incident never
        declared (exec's) closes without one."""
        action = page_action(event)
        if action == "trigger" or (action is not None and self._paged()):
            self.get().pager.on_event(event)

    def _paged(self) -> bool:
        state = self._of[1].state
        return any(n.get("lifecycle") == "trigger" for n in state.notifications)
