"""Resume: reopen an incident and show where it stopped; its unknown hosts are
unknown_hosts.py's."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from console.engine.config_kept import said_since_opening
from console.engine.errors import ProcedureError, StaleLock
from console.engine.session import Engine, Loaded
from console.journal.files import JournalError
from console.model.drillfold import cut_short
from console.model.outcome import named
from console.ui.collector import parked
from console.ui.incident_screens import import_incident_screens
from console.ui.refusals import RefusalHost, say_refused
from console.ui.resume_record import (
    by_hand_said,
    ended_by,
    no_verify_of,
)
from console.ui.unknown_hosts import UnknownHosts, UnknownHostsApp

# Seconds the resume's own notice stays: what it says of the unknown hosts, the banner on
# the incident's screens says as long as they are, with the keys. At 30 s, 14 rows of it
# covered the grid at 80x24 (200 hosts of 37-character names, 64 unknown) while v ran.
RESUMED_SAID = 10
RESUMES = "console runs what its confirmations show"  # a file changed since the opening

if TYPE_CHECKING:  # the state and its screens: loaded with the first incident
    from console.engine.conductor import Conductor
    from console.ui.screens.loading import LoadingScreen


class ResumeHost(UnknownHostsApp, RefusalHost, Protocol):
    """What resuming asks of the console app, beyond what every part may use."""

    engine: Engine

    def attach(self, incident: Conductor) -> None: ...
    def to_home(self) -> None: ...
    def offer_lock_takeover(self, refusal: StaleLock, retry: Callable[[str], None]) -> None: ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any) -> Any: ...


class Resuming:
    """The app's resume: reopen an incident from its journal, and say which hosts it left
    unknown (`unknown_hosts`: what verifies and retries them)."""

    def __init__(self, app: ResumeHost, unknown_hosts: UnknownHosts):
        self.app = app
        self.unknown_hosts = unknown_hosts

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

        if isinstance(exc, JournalInUse | JournalNotOurs):  # those name the incident
            said = f"Could not resume: {exc}"
        elif str(exc).startswith(str(path)):  # most others the journal first: named once
            said = f"Could not resume {exc}"
        else:
            said = f"Could not resume {path}: {exc}"
        say_refused(self.app, path, said, "Not resumed")

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
        # what its confirmations show is what runs: the files as they are now
        recorder = conductor.recorder
        if since := said_since_opening(
            recorder.events, conductor.settings, recorder.path, RESUMES, conductor
        ):
            app.notify(since, title="Configuration", severity="warning", markup=False)
        if state.closed:
            self.app.push_screen("checklist")
            unknown = self.unknown_hosts.unknown()
            locks = (
                "its locks there were kept at the close: --take-over-lock takes them over,"
                " and the verify lets go of them once those hosts answer"
                if state.unknown_at_close
                else "its locks went with the close"
            )
            by_hand = (
                f" Outcome unknown on {named([u.host for u in unknown])} at the close:"
                f" {verified} (the notes say more)."
                if unknown and (verified := self.unknown_hosts.verified_by_hand())
                else f" Outcome unknown on {named([u.host for u in unknown])}:"
                f" {self.unknown_hosts.keys()} do not run after the close (their commands"
                f" would rewrite the record under its outcome, and {locks})."
                f" {by_hand_said(state, self.unknown_hosts.live_conductor.settings)}"
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
        unknown = self.unknown_hosts.unknown()
        if unknown:
            hosts = named([u.host for u in unknown])  # 64 names were half the screen
            verify, retry = self.app.key_label("resume.verify"), self.app.key_label("resume.retry")
            first = f"verify ({verify}) before retrying ({retry})"
            if why := no_verify_of(conductor.settings, conductor.state, unknown):
                first = (
                    f"{why}: check it by hand ({verify} says whether it still runs there)"
                    f" before retrying ({retry})"
                )
            said = f"Outcome unknown on {hosts}: {first}." + (f" {ended.strip()}" if ended else "")
            # what to do first, how the console before ended after it: taken back by v or r
            self.unknown_hosts.advice = self.app.lasting_toast(
                said, "Resumed", RESUMED_SAID, "warning"
            )
        elif ended:
            self.app.notify(
                ended.strip(), title="Resumed", severity="warning", timeout=RESUMED_SAID
            )
