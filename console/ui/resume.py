"""Resume: reopen an incident, then verify and retry only the hosts whose outcome is unknown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work

from console.engine.conductor import Conductor, ProcedureError
from console.engine.errors import StaleLock
from console.journal.store import JournalError
from console.model.events import Event, Kind
from console.model.procedure import StepRecord
from console.model.state import IncidentState

VERIFY_COMMAND = "uname -n && uptime"


@dataclass(frozen=True)
class Unknown:
    """A host whose last intent on `step` has no recorded outcome."""

    step: str
    host: str
    verified: bool


def unknown_hosts(
    state: IncidentState, events: Sequence[Event], verify_step: str | None
) -> list[Unknown]:
    """Unknown hosts, each marked verified once the verify step succeeded on it since."""
    found = []
    for step_id, host in state.unknown_hosts:
        verified = False
        for event in reversed(events):  # newest first, back to the unrecorded intent
            if event.where.host != host:
                continue
            if event.where.step == step_id and event.kind == Kind.COMMAND_INTENT:
                break
            verified = verified or (
                event.where.step == verify_step
                and event.kind == Kind.COMMAND_RESULT
                and event.data.get("final", True)
                and not event.data.get("failure")
            )
        found.append(Unknown(step_id, host, verified))
    return found


class ResumeActions:
    """Mixed into the app: resume from a journal; verify, then retry, the unknown hosts."""

    def resume_incident(self, path: Path, take_over: str | None = None) -> None:
        """Reopen `path` (in-flight hosts become unknown), holding its systems' locks again:
        refused while another console holds them; a stale lock of another incident is
        taken over only with a reason."""
        try:
            conductor = self.engine.resume(path, take_over)
        except StaleLock as exc:
            self.offer_lock_takeover(str(exc), lambda why: self.resume_incident(path, why))
            return
        except (ProcedureError, JournalError, OSError, ValueError) as exc:
            self.notify(f"Could not resume {path}: {exc}", title="Not resumed", severity="error")
            return
        self.show_resumed(conductor)

    def show_resumed(self, conductor: Conductor) -> None:
        """Attach a resumed incident and show where it stopped."""
        from console.ui.screens.picker import PickerScreen
        from console.ui.screens.trigger import TriggerScreen

        self.attach(conductor)
        state = conductor.state
        if state.trigger is None:
            self.push_screen(TriggerScreen())
        elif not state.hosts:
            self.push_screen(PickerScreen())
        else:
            self.push_screen("checklist")
        unknown = self.unknown()
        if unknown:
            hosts = ", ".join(u.host for u in unknown)
            self.notify(
                f"Outcome unknown on {hosts}: verify (V) before retrying (R).",
                title="Resumed",
                severity="warning",
            )

    def verify_step(self) -> str | None:
        """The procedure's assessment step, used to check unknown hosts."""
        if self.conductor is None:
            return None
        steps = self.conductor.settings.procedure.steps
        return next((s.id for s in steps if s.records is StepRecord.ASSESSMENT), None)

    def unknown(self) -> list[Unknown]:
        if self.conductor is None:
            return []
        conductor = self.conductor
        return unknown_hosts(conductor.state, conductor.recorder.events, self.verify_step())

    def action_verify_unknown(self) -> None:
        """Run the assess step (or a harmless ad-hoc check) on the unknown hosts only."""
        hosts = sorted({u.host for u in self.unknown()})
        if not hosts:
            self.notify("No host is in an unknown state.")
            return
        step = self.verify_step()
        if step:
            self.start_run(step, only_hosts=hosts)
        else:
            self.run_verify_adhoc(hosts)

    @work(exclusive=True, group="step", exit_on_error=False)
    async def run_verify_adhoc(self, hosts: list[str]) -> None:
        self.action_go("execution")
        try:
            ok = await self.conductor.run_adhoc(VERIFY_COMMAND, hosts)
        except ProcedureError as exc:
            self.notify(str(exc), title="Not verified", severity="error")
            return
        self.notify("Reachable." if ok else "Some hosts did not answer.", title="Verified")

    def action_retry_unknown(self) -> None:
        """Retry the interrupted step on its unknown hosts only (one step at a time)."""
        unknown = self.unknown()
        if not unknown:
            self.notify("No host is in an unknown state.")
            return
        step = unknown[0].step
        if step not in self.conductor.order:
            self.notify(f"{step} was an ad-hoc command: run it again by hand if needed.")
            return
        self.start_run(step, only_hosts=[u.host for u in unknown if u.step == step])

    def check_unknown_action(self, action: str) -> bool | None:
        """Verify/retry show only while some host is unknown."""
        if action in ("verify_unknown", "retry_unknown"):
            return bool(self.unknown())
        return True

    def banner(self) -> Text | None:
        """What the resume banner says: the unknown hosts, and the keys to clear them."""
        unknown = self.unknown()
        if not unknown:
            return None
        first = unknown[0].step
        step = self.conductor.step(first).title if first in self.conductor.order else first
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" ? UNKNOWN ", style="bold reverse")
        for u in unknown:
            text.append(f" {u.host}", style="bold")
            text.append(" (checked)" if u.verified else "")
        text.append(f" · verify before retrying · stopped in “{step}”\n")
        text.append(" V", style="bold")
        text.append(" verify them (assess, those hosts only) · ")
        text.append("R", style="bold")
        text.append(" retry only them")
        return text
