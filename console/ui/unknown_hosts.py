"""The hosts a resume left unknown: verify them, retry the interrupted step on them only,
and the banner that says so with the keys (after the close: how to verify them by hand)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from rich.text import Text

from console.engine.errors import ProcedureError
from console.model.alike import lines_alike
from console.model.outcome import named, them
from console.model.status import before_retrying, settled
from console.model.step_state import undoes
from console.ui.console_app import AppPart
from console.ui.resume_record import (
    Unknown,
    by_hand_text,
    no_verify_of,
    step_named,
    unknown_hosts,
    verified_by_hand,
)

if TYPE_CHECKING:  # the attempts' checks and the state: loaded with the first incident
    from textual.notifications import Notification

    from console.engine.attempts import AttemptCheck
    from console.engine.conductor import Conductor
    from console.ui.stepping import Stepping

# The longest v's "Checking" toast stays while no answer has come to take its place (the
# execution screen's title says "verifying" meanwhile, however long it takes).
CHECKING_SAID = 60
VERIFIED_WITH = "verified with the configuration read when the console started"


class UnknownHostsApp(AppPart, Protocol):
    """What clearing the unknown hosts asks of the console app, beyond what every part may
    use."""

    exec_step: str | None
    steps: Stepping

    def action_go(self, name: str) -> None: ...
    def key_label(self, binding_id: str) -> str: ...
    def start_run(self, step_id: str, only_hosts: list[str] | None = None) -> None: ...


class UnknownHosts:
    """The app's unknown hosts: listed, verified, retried, and said in the banner."""

    def __init__(self, app: UnknownHostsApp):
        self.app = app
        self.advice: Notification | None = None  # the resume's "verify (v) before retrying"

    def keys(self) -> str:
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
        """The unknown hosts, if nothing runs now (said so, else). Acted on, the resume's
        advice is taken back: after resume then v, it, v's 'Checking' and v's answer
        were three toasts at once over the host table at 80x24."""
        unknown = self.unknown()
        if not unknown:
            self.app.notify("No host is in an unknown state.")
        elif self.live_conductor.running:
            running = ", ".join(sorted(self.live_conductor.running))
            self.app.notify(f"A step is running ({running}): wait for it.", severity="warning")
            return []
        elif self.advice is not None:
            self.app.withdraw(self.advice)
            self.advice = None
        return unknown

    def verify(self) -> None:
        """Ask each unknown host whether its earlier attempt still runs; where it does
        not, run the interrupted step's verify there: its result settles the host."""
        unknown = self._idle_unknown()
        if unknown:
            self.app.exec_step = unknown[0].step
            self.app.action_go("execution")
            hosts = sorted({u.host for u in unknown})
            # A configuration file changed since start: said, the verify being the one read
            # then, and noted on the step with the versions (engine/config_drift.py).
            drift = self.app.steps.drift
            does = "verifies with what the console read at start"
            changed, _ = drift.notice(self.app.conductor, does, room=200)
            changed = f"\n! {changed}" if changed else ""
            drift.note(self.app.conductor, unknown[0].step, VERIFIED_WITH)
            # Said at once: the answer may take a command timeout (a host that went away
            # meanwhile); a V pressed then, and nothing seen, read as V doing nothing.
            # Up until the answer takes its place.
            checking = self.app.lasting_toast(
                f"Checking {named(hosts)}: whether the earlier attempt still runs there,"
                " then the step's verify. The answer comes here." + changed,
                f"Verifying {len(hosts)} unknown host(s)",
                CHECKING_SAID,
            )
            work = self._verify_unknown_hosts(hosts, checking, changed)
            self.app.run_worker(work, group="step", exclusive=True, exit_on_error=False)

    async def _verify_unknown_hosts(
        self, hosts: list[str], checking: Notification, changed: str
    ) -> None:
        """V's work: the answer takes the 'Checking' toast's place, saying again a file
        changed since start (seen at 80x24: a quick answer withdrew it unread)."""
        from console.engine import attempts

        try:
            verdicts = await attempts.verify_unknown(self.live_conductor, hosts)
        except ProcedureError as exc:
            self.app.notify(str(exc), title="Not verified", severity="error")
            return
        finally:
            self.app.withdraw(checking)
        answered = all(settled(v) for v in verdicts.values())
        self.app.notify(
            lines_alike(verdicts) + changed,
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
            text.append(f" · the incident is closed: {self.keys()} do not run after it\n")
            held = bool(conductor.locks_kept)  # by this console: refused while it runs
            text.append_text(by_hand_text(conductor.state, conductor.settings, held))
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
