"""Resume: reopen an incident, then verify and retry only the hosts whose outcome is unknown."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rich.text import Text

from console.engine.errors import ProcedureError, StaleLock
from console.engine.session import Engine, Loaded
from console.journal.files import JournalError
from console.model.alike import lines_alike
from console.model.drillfold import cut_short
from console.model.outcome import named, them
from console.model.status import before_retrying, settled
from console.model.step_state import undoes
from console.ui.collector import parked
from console.ui.console_app import AppPart
from console.ui.incident_screens import import_incident_screens
from console.ui.resume_record import (
    Unknown,
    by_hand_said,
    by_hand_text,
    ended_by,
    no_verify_of,
    step_named,
    unknown_hosts,
    verified_by_hand,
)

# Seconds the resume's own notice stays: what it says of the unknown hosts, the banner on
# the incident's screens says as long as they are, with the keys. At 30 s, 14 rows of it
# covered the grid at 80x24 (200 hosts of 37-character names, 64 unknown) while v ran.
RESUMED_SAID = 10

if TYPE_CHECKING:  # the attempts' checks and the state: loaded with the first incident
    from console.engine.attempts import AttemptCheck
    from console.engine.conductor import Conductor
    from console.ui.screens.loading import LoadingScreen


class ResumeHost(AppPart, Protocol):
    """What resuming asks of the console app, beyond what every part may use."""

    engine: Engine
    exec_step: str | None

    def attach(self, incident: Conductor) -> None: ...
    def to_home(self) -> None: ...
    def action_go(self, name: str) -> None: ...
    def key_label(self, binding_id: str) -> str: ...
    def start_run(self, step_id: str, only_hosts: list[str] | None = None) -> None: ...
    def offer_lock_takeover(self, refusal: StaleLock, retry: Callable[[str], None]) -> None: ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any) -> Any: ...


class Resuming:
    """The app's resume: reopen an incident from its journal; verify, then retry, the hosts
    whose outcome it left unknown."""

    def __init__(self, app: ResumeHost):
        self.app = app

    def resume(self, path: Path) -> None:
        """Reopen `path` (in-flight hosts become unknown), holding its systems' locks again:
        refused while another console holds them; a stale lock of another incident is
        taken over only with a reason. The incident already open here is simply shown
        again; a closed incident reopens for amendments only. The journal is read and
        folded in a thread behind a progress bar (100,000 events take seconds): the console
        draws and answers keys meanwhile."""
        from console.ui.screens.loading import LoadingScreen

        app = self.app
        current = app.conductor
        if current is not None and current.recorder.path.resolve() == path.resolve():
            app.to_home()
            app.push_screen("checklist")
            return
        if current is not None and current.running:
            app.notify(
                f"A step of {current.state.incident_id} is running: wait for it, or abort it,"
                " before opening another incident.",
                title="Not resumed",
                severity="warning",
            )
            return
        loading = LoadingScreen(str(path))
        app.push_screen(loading)
        app.run_worker(
            partial(self._read_journal, path, loading),
            thread=True,
            group="resume",
            exclusive=True,
            exit_on_error=False,
        )

    def _read_journal(self, path: Path, loading: LoadingScreen) -> None:
        """In a thread: read and fold the journal, then take the incident over."""
        app = self.app

        def progress(done: int, total: int) -> None:
            app.call_from_thread(loading.advance, done, total)

        try:
            with parked():
                import_incident_screens()  # here, not on the screen's loop once loaded
                loaded = app.engine.read(path, progress)
        except Exception as exc:  # shown, never a silent spinner: the journal is the incident
            app.call_from_thread(self._not_resumed, path, exc, loading)
            return
        app.call_from_thread(self._take_over, loaded, loading, None)

    def _not_resumed(self, path: Path, exc: Exception, loading: LoadingScreen) -> None:
        loading.dismiss()
        self._say_not_resumed(path, exc)

    def _say_not_resumed(self, path: Path, exc: Exception) -> None:
        from console.journal.journal_lock import JournalInUse, JournalNotOurs

        # Those name the incident, most others the journal first: the path is said once.
        says_path = isinstance(exc, JournalInUse | JournalNotOurs) or str(exc).startswith(str(path))
        said = f"Could not resume: {exc}" if says_path else f"Could not resume {path}: {exc}"
        self.app.notify(said, title="Not resumed", severity="error")

    def _take_over(
        self, loaded: Loaded, loading: LoadingScreen | None, take_over: str | None
    ) -> None:
        """The loaded journal's incident, its locks taken again (a stale one only with a
        reason, asked for here without reading the journal again)."""
        if loading is not None:
            loading.dismiss()
        try:
            conductor = self.app.engine.resumed(loaded, take_over)
        except StaleLock as exc:
            retry = partial(self._take_over, loaded, None)
            self.app.offer_lock_takeover(exc, retry)
            return
        except (ProcedureError, JournalError, OSError, ValueError) as exc:
            self._say_not_resumed(loaded.path, exc)
            return
        self.show_resumed(conductor)  # the one driven before is left (RollbackApp.attach)

    def show_resumed(self, conductor: Conductor) -> None:
        """Attach a resumed incident and show where it stopped."""
        from console.ui.screens.picker import PickerScreen
        from console.ui.screens.trigger import TriggerScreen

        app = self.app
        app.to_home()
        app.attach(conductor)
        state = conductor.state
        if state.closed:
            self.app.push_screen("checklist")
            unknown = self.unknown()
            locks = (
                "its locks there were kept at the close: --take-over-lock takes them over,"
                " and the verify lets go of them once those hosts answer"
                if state.unknown_at_close
                else "its locks went with the close"
            )
            by_hand = (
                f" Outcome unknown on {named([u.host for u in unknown])} at the close:"
                f" {verified} (the notes say more)."
                if unknown and (verified := self.verified_by_hand())
                else f" Outcome unknown on {named([u.host for u in unknown])}:"
                f" {self._keys()} do not run after the close (their commands would rewrite the record under its"
                f" outcome, and {locks}). {by_hand_said(state, self.live_conductor.settings)}"
                if unknown
                else ""
            )
            self.app.notify(
                f"Closed: {state.outcome_label}. Reopened for amendments only: the"
                f" post-rollback form, notes and stars.{by_hand}",
                title="Resumed",
                severity="warning" if unknown else "information",
                timeout=30 if unknown else 5,
            )
            return
        if state.trigger is None:
            self.app.push_screen(TriggerScreen(into=conductor))
        elif not state.hosts:
            self.app.push_screen(PickerScreen())
        else:
            self.app.push_screen("checklist")
        # first: the hosts may have changed since; a drill's faults may still be in place
        alarms = [(lost, "Another incident there meanwhile", 120) for lost in conductor.locks_lost]
        if short := cut_short(conductor.state):
            alarms.append((short, "Drill", 600))
        for said, title, timeout in alarms:
            self.app.notify(
                said[0].upper() + said[1:] + ".",
                title=title,
                severity="error",
                timeout=timeout,
                markup=False,
            )
        how = ended_by(conductor.recorder.events)
        ended = f"Before this resume, {how}. " if how else ""  # a console, or a run
        unknown = self.unknown()
        if unknown:
            hosts = named([u.host for u in unknown])  # 64 names were half the screen
            verify, retry = self.app.key_label("resume.verify"), self.app.key_label("resume.retry")
            first = f"verify ({verify}) before retrying ({retry})"
            if why := no_verify_of(conductor.settings, conductor.state, unknown):
                first = (
                    f"{why}: check it by hand ({verify} says whether it still runs there)"
                    f" before retrying ({retry})"
                )
            self.app.notify(  # what to do first; how the console before ended, after
                f"Outcome unknown on {hosts}: {first}." + (f" {ended.strip()}" if ended else ""),
                title="Resumed",
                severity="warning",
                timeout=RESUMED_SAID,
            )
        elif ended:
            self.app.notify(
                ended.strip(), title="Resumed", severity="warning", timeout=RESUMED_SAID
            )

    def _keys(self) -> str:
        """`v and r`: the keys that verify and retry unknown hosts, as bound now."""
        label = self.app.key_label
        return f"{label('resume.verify')} and {label('resume.retry')}"

    @property
    def live_conductor(self) -> Conductor:
        """The open incident's conductor: these actions act only inside one."""
        assert self.app.conductor is not None
        return self.app.conductor

    def unknown(self) -> list[Unknown]:
        if self.app.conductor is None:
            return []
        return unknown_hosts(self.app.conductor.state, self.app.conductor.recorder.events.actions)

    def _idle_unknown(self) -> list[Unknown]:
        """The unknown hosts, if nothing runs now (said so, else)."""
        unknown = self.unknown()
        if not unknown:
            self.app.notify("No host is in an unknown state.")
        elif self.live_conductor.running:
            running = ", ".join(sorted(self.live_conductor.running))
            self.app.notify(f"A step is running ({running}): wait for it.", severity="warning")
            return []
        return unknown

    def verify(self) -> None:
        """Ask each unknown host whether its earlier attempt still runs; where it does
        not, run the interrupted step's verify there: its result settles the host."""
        unknown = self._idle_unknown()
        if unknown:
            self.app.exec_step = unknown[0].step
            self.app.action_go("execution")
            hosts = sorted({u.host for u in unknown})
            # Said at once: the answer may take a command timeout (a host that went away
            # meanwhile); a V pressed then, and nothing seen, read as V doing nothing.
            self.app.notify(
                f"Checking {named(hosts)}: whether the earlier attempt still runs there,"
                " then the step's verify. The answer comes here.",
                title=f"Verifying {len(hosts)} unknown host(s)",
            )
            work = self._verify_unknown_hosts(hosts)
            self.app.run_worker(work, group="step", exclusive=True, exit_on_error=False)

    async def _verify_unknown_hosts(self, hosts: list[str]) -> None:
        from console.engine import attempts

        try:
            verdicts = await attempts.verify_unknown(self.live_conductor, hosts)
        except ProcedureError as exc:
            self.app.notify(str(exc), title="Not verified", severity="error")
            return
        answered = all(settled(v) for v in verdicts.values())
        self.app.notify(
            lines_alike(verdicts),
            title="Unknown hosts checked" if answered else "Some hosts stay unknown",
            severity="information" if answered else "warning",
            timeout=20,
        )

    def retry(self) -> None:
        """Retry the interrupted step on its unknown hosts only (one step at a time),
        after asking each host whether its earlier attempt still runs."""
        unknown = self._idle_unknown()
        if not unknown:
            return
        step = unknown[0].step
        assert self.app.conductor is not None  # unknown hosts belong to the open incident
        if (undoes(step) or step) not in self.app.conductor.order:
            self.app.notify(f"{step} was an ad-hoc command: run it again by hand if needed.")
            return
        work = self._retry_unknown_hosts(step, [u.host for u in unknown if u.step == step])
        self.app.run_worker(work, group="attempts", exclusive=False, exit_on_error=False)

    async def _retry_unknown_hosts(self, step: str, hosts: list[str]) -> None:
        from console.engine import attempts

        try:
            checks = await attempts.check_attempts(self.live_conductor, hosts)
        except ProcedureError as exc:
            self.app.notify(str(exc), title="Not retried", severity="error")
            return
        if all(c.running is False for c in checks):
            self.app.notify(f"No earlier attempt runs on {', '.join(hosts)}.", title="Retrying")
            self.app.start_run(step, only_hosts=hosts)
            return
        from console.ui.screens.attempts import AttemptsDialog

        def chosen(choice: str | None) -> None:
            if choice == "stop":
                work = self._stop_then_retry(step, checks)
                self.app.run_worker(work, group="attempts", exclusive=False, exit_on_error=False)
            elif choice == "anyway":
                left = ", ".join(c.host for c in checks if c.running is not False)
                self.live_conductor.note(
                    f"retried beside the earlier attempt, not stopped or not checked on {left}",
                    step,
                )
                self.app.start_run(step, only_hosts=hosts)
            else:
                self.app.notify("Not retried: the hosts stay unknown.")

        self.app.push_screen(AttemptsDialog(checks), chosen)

    async def _stop_then_retry(self, step: str, checks: list[AttemptCheck]) -> None:
        """Stop the earlier attempts found running, then retry where none runs any more;
        a host that could not be checked stays unknown."""
        from console.engine import attempts

        try:
            after = {c.host: c for c in await attempts.stop_attempts(self.live_conductor, checks)}
        except ProcedureError as exc:
            self.app.notify(str(exc), title="Not stopped", severity="error")
            return
        ready = [c.host for c in checks if (after.get(c.host) or c).running is False]
        left = [c.host for c in checks if c.host not in ready]
        if left:
            self.app.notify(
                f"Still running or not checked on {', '.join(left)}: not retried there.",
                title="Not stopped everywhere",
                severity="error",
                timeout=20,
            )
        if ready:
            self.app.start_run(step, only_hosts=ready)

    def any_unknown(self) -> bool:
        """Whether some host is unknown (cheap: asked at every sync of a screen)."""
        conductor = self.app.conductor
        return conductor is not None and bool(conductor.state.unknown_hosts)

    def check_action(self, action: str) -> bool:
        """Verify/retry show only while some host is unknown."""
        if action in ("verify_unknown", "retry_unknown"):
            return self.any_unknown()
        return True

    def verified_by_hand(self) -> str:
        hosts = sorted({u.host for u in self.unknown()})
        return verified_by_hand(self.live_conductor.state, hosts)

    def banner(self) -> Text | None:
        """What the resume banner says: the unknown hosts, and the keys to clear them (after
        the close, which offers neither: how to verify them by hand)."""
        unknown = self.unknown()
        if not unknown:
            return None
        conductor = self.app.conductor
        assert conductor is not None  # unknown hosts belong to the open incident
        step = step_named(conductor.settings, unknown[0].step)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" ? UNKNOWN ", style="bold reverse")
        for u in unknown:
            text.append(f" {u.host}", style="bold")
            text.append({True: " (still running)", False: " (not running)", None: ""}[u.running])
        if conductor.state.closed and (verified := self.verified_by_hand()):
            text.append(" · the incident is closed\n")
            text.append(f" {verified}", style="bold")
            return text
        if conductor.state.closed:  # V and R would change hosts' outcomes under the close
            text.append(f" · the incident is closed: {self._keys()} do not run after it\n")
            text.append_text(by_hand_text(conductor.state, conductor.settings))
            return text
        # No verify (a command step's): V only asks whether it still runs; R in sight at 80
        by_hand = bool(no_verify_of(conductor.settings, conductor.state, unknown))
        text.append(f" · {before_retrying(by_hand)} · stopped in “{step}”\n")
        text.append(f" {self.app.key_label('resume.verify')}", style="bold")
        hosts = sorted({u.host for u in unknown})
        which = "those hosts" if hosts[1:] else "that host"
        if by_hand:
            text.append(" says if it still runs (no verify: check by hand) · ")
        else:
            text.append(f" verify {them(hosts)} (the step's verify, {which} only) · ")
        text.append(self.app.key_label("resume.retry"), style="bold")
        text.append(f" retry only {them(hosts)}")
        return text
