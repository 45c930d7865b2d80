"""Ad-hoc commands started from the execution screen: asked for, run in a worker, and
remembered by the step id the conductor gives them, to title and retry them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.engine.errors import ProcedureError
from console.model.status import HostStatus

if TYPE_CHECKING:
    from console.ui.screens.execution import ExecutionScreen


class AdhocRuns:
    """The execution screen's ad-hoc commands, as typed (each is sent as typed)."""

    def __init__(self, screen: ExecutionScreen) -> None:
        self.screen = screen
        self.commands: dict[str, str] = {}  # step id -> the command typed

    def title(self, step_id: str, recorded: str | None) -> str:
        """`Ad-hoc 2: uptime`: as typed here (masked), else as its start recorded it (a
        resumed or followed incident's)."""
        command = self.commands.get(step_id)
        if command is not None:
            return f"Ad-hoc {step_id[6:]}: {self._masked(command)}"
        said = (recorded or "").removeprefix("Ad-hoc:").strip() or "command"
        return f"Ad-hoc {step_id[6:]}: {said}"

    def retry(self, step_id: str, hosts: list[str]) -> None:
        """Its command again on `hosts`, if typed in this console: the journal holds it
        masked, and what is sent is never what a record shows."""
        command = self.commands.get(step_id)
        if command is None:
            key = self.screen.app.key_label("execution.adhoc")
            self.screen.notify(
                "Its command was typed before the console restarted and is not kept (the"
                f" journal holds it masked): type it again ({key}) on the failed hosts.",
                title="Not retried",
                severity="warning",
            )
            return
        self.run(command, hosts)

    def ask(self, host: str | None) -> None:
        """The ad-hoc dialog on the incident's hosts (`host` chosen first), then the run."""
        from console.ui.screens.adhoc import AdhocDialog

        screen = self.screen
        hosts = list(screen.incident.state.hosts)
        if not hosts:
            screen.notify("Pick the affected systems first.", severity="warning")
            return

        def chosen(answer: tuple[str, list[str]] | None) -> None:
            if answer:
                self.run(*answer)

        screen.app.push_screen(AdhocDialog(hosts, host), chosen)

    def run(self, command: str, hosts: list[str]) -> None:
        """Run `command` on `hosts` in a worker; the grid follows the new ad-hoc step."""
        self.screen.app.exec_step = None
        self.screen.run_worker(
            self._run(command, hosts), group="adhoc", exclusive=True, exit_on_error=False
        )

    async def _run(self, command: str, hosts: list[str]) -> None:
        screen = self.screen
        ran = sum(1 for sid in screen.incident.state.steps if sid.startswith("adhoc-"))
        self.commands[f"adhoc-{ran + 1}"] = command  # the id the conductor gives it
        try:
            ok = await screen.incident.run_adhoc(command, hosts)
        except ProcedureError as exc:
            screen.notify(str(exc), title="Not run", severity="error")
            return
        where, shown = f"{len(hosts)} host(s)", self._masked(command)
        if ok:
            screen.notify(f"“{shown}” succeeded on {where}.", title="Ad-hoc command", markup=False)
            return
        # how many did not, and how each stands: "did not succeed on 1 of 3 host(s): 1 failed"
        st = screen.incident.state.step(f"adhoc-{ran + 1}")
        ok_on = {h for h, run in st.hosts.items() if run.status is HostStatus.SUCCEEDED}
        bad = [h for h in hosts if h not in ok_on]
        said = f"“{shown}” did not succeed on {len(bad)} of {where}: {st.standing(bad)}."
        screen.notify(said, title="Ad-hoc command", severity="error", markup=False)

    def _masked(self, command: str) -> str:
        """A typed command as screens show it: its secrets masked (it is sent as typed)."""
        return self.screen.incident.masked(command)
