"""Before a retry: the earlier attempt may still be running on some hosts. The commander
sees what each host said, and chooses: stop those attempts then retry, retry anyway
(a second copy beside the first), or not now."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from console.engine.attempts import AttemptCheck
from console.engine.supervisor import ATTEMPT_TAG
from console.model.visible import visible
from console.ui.screens.button_dialog import ButtonDialog

SHOWN_LINES = 3  # processes per host in the dialog; the journal keeps up to 20


def process(line: str) -> str:
    """`ps` line (pid, group, elapsed, arguments) as one short line: what, pid, how long."""
    fields = line.split(None, 3)
    if len(fields) < 4:
        return visible(line, one_line=True)
    pid, _, elapsed, args = fields
    what = "its supervisor shell" if ATTEMPT_TAG in args else visible(args, one_line=True)
    return f"{what[:56]}  (pid {pid}, running {elapsed})"


def report(checks: list[AttemptCheck]) -> Text:
    """What each host said, the running ones first."""
    text = Text()
    for check in sorted(checks, key=lambda c: (c.running is not True, c.host)):
        text.append(check.host, style="bold")
        text.append(f" in {check.step}: ")
        text.append(visible(check.describe(), one_line=True), style="bold" if check.running else "")
        text.append("\n")
        for line in check.work[:SHOWN_LINES]:
            text.append(f"  · {process(line)}\n", style="dim")
        if len(check.processes) > SHOWN_LINES:
            text.append(f"  · … {len(check.processes) - SHOWN_LINES} more\n", style="dim")
    return text


class AttemptsDialog(ButtonDialog[str | None]):
    """`stop`, `anyway`, or None (not now)."""

    BINDINGS = [
        Binding("escape", "choose(None)", "Not now", id="attempts.cancel"),
        Binding("s", "choose('stop')", "Stop them, then retry", id="attempts.stop"),
        Binding("a", "choose('anyway')", "Retry anyway", id="attempts.anyway"),
    ]

    def __init__(self, checks: list[AttemptCheck]):
        super().__init__()
        self.checks = checks
        self.running = [c for c in checks if c.running]

    def compose(self) -> ComposeResult:
        untold = [c.host for c in self.checks if c.running is None]
        with Vertical(classes="dialog -danger", id="attempts-dialog"):
            yield Label("The earlier attempt may still be running", classes="dialog-title")
            with VerticalScroll(id="attempts-report"):
                yield Static(report(self.checks), classes="dialog-text")
            explain = "A retry now would run a second copy beside it."
            if untold:
                explain += f" Not checked: {', '.join(untold)} (stopping cannot reach them)."
            yield Static(explain, classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Not now (Esc)", id="cancel", variant="primary")
                if self.running:
                    yield Button("Stop, retry (s)", id="stop", variant="warning")
                yield Button("Retry anyway (a)", id="anyway", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def answer(self, button: Button) -> None:
        self.action_choose(None if button.id == "cancel" else button.id)

    def action_choose(self, choice: str | None) -> None:
        if choice == "stop" and not self.running:
            return
        self.dismiss(choice)
