"""Before a step acts on hosts or people: what it sends, where, and a yes from the commander."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from console.model.kinds import STRATEGY_KINDS, RunsOn, StrategyKind
from console.model.notify_kinds import MAY_PAGE_TWICE, NOT_AGAIN, NOT_SENT
from console.model.outcome import named
from console.model.strategies import Strategy
from console.model.templates import Commands, alike
from console.model.visible import given_first, said_params, visible
from console.model.waves import sizes_said
from console.ui.screens.button_dialog import ButtonDialog
from console.ui.screens.dialogs import enter_says
from console.ui.widgets.message_area import MessageArea

if TYPE_CHECKING:
    from console.model.payloads import RolloutHeld
    from console.ui.app import RollbackApp


MAX_TARGETS = 5  # lines of a status update's channels
COMMAND = "    $ "  # before each command line; a long one goes on under its start
RUNS = ": the jump host runs: "  # a status update's command channel, as shown_target says it


def _hang(line: str, room: int) -> list[str]:
    """`line` in parts of at most `room` characters, cut at spaces where it can be; the
    parts join back to it, every character kept."""
    if room < 20 or len(line) <= room:
        return [line]
    return textwrap.wrap(
        line,
        room,
        expand_tabs=False,
        replace_whitespace=False,
        drop_whitespace=False,
        break_on_hyphens=False,
    )


def _hosts(hosts: list[str]) -> str:
    return ", ".join(hosts[:6]) + (f" and {len(hosts) - 6} more" if len(hosts) > 6 else "")


def _sends(per_host: dict[str, Commands], preview: str) -> str:
    """Whether every host gets what is shown: `It sends the same to each of the 3 hosts`,
    else how many get the first host's commands (only it), and where the others are shown."""
    if len(per_host) == 1:
        return "It sends"
    hosts, _ = alike(per_host)[0]
    if len(hosts) == len(per_host):
        return f"It sends the same to each of the {len(hosts)} hosts"
    rest = len(per_host) - len(hosts)
    others = f"{preview} on the checklist shows the other {'host' if rest == 1 else rest}"
    if len(hosts) == 1:  # seen: "the same on 1 of 3 hosts", each host in its own workdir
        return f"It sends, rendered for {hosts[0]} (only {hosts[0]} gets exactly this; {others})"
    return (
        f"It sends, rendered for {hosts[0]} (the same on {len(hosts)} of {len(per_host)}"
        f" hosts; {others})"
    )


_RECOVERIES = (StrategyKind.BACKUP_RESTORE, StrategyKind.LOG_REPLAY, StrategyKind.POINT_IN_TIME)


def strategy_text(
    strategy: Strategy,
    chosen: dict[str, str],
    hosts: int,
    undo: bool,
    held: RolloutHeld | None = None,
    probes: list[str] | None = None,
    host_probes: list[str] | None = None,
    resolved: str = "",
    own: bool = False,
) -> Text:
    """What a strategy step does, in words, above the commands it sends. The facts that
    decide the yes come first, one line each, so that at 80x24 they are on screen however
    long the rest: the strategy, where it runs if not on the hosts, its waves, its failure
    threshold, its stages (a gradual re-enable `held` goes on with its next stage; the
    `probes` read after each, `system/probe`; between waves, the `host_probes` that read
    each host alone; what a symbolic parameter was `resolved` to on the hosts, the version
    the run acts on, or, for a step with a strategy of its `own`, that nobody asked; what a
    recovery brings the data back to). Then what it does (its description) and the parameters chosen,
    however many. An undo does
    the reverse of the description and the parameters (they say where the action went):
    it says what its undo commands do instead, in the strategy's waves and under its
    failure threshold as the step (no probes read between them)."""
    kind = strategy.kind.value
    called = strategy.name if strategy.name == kind else f"{strategy.name} ({kind})"
    text = Text.assemble(("Undoes: " if undo else "Strategy: ", "bold"), called)
    if resolved:
        text.append("\nResolved: ", style="bold").append(visible(resolved))
    elif own and not undo and (r := strategy.resolver()) and chosen.get(r.param) == r.symbolic:
        text.append("\nNot resolved: ", style="bold").append(
            f"{r.param}={r.symbolic} is not asked of the hosts first (a step with a strategy"
            " of its own): each host's precheck resolves it alone"
        )
    if not undo and (to := strategy.recovers_to(chosen)):  # a recovery's target, up front
        text.append("\nRecovers to: ", style="bold").append(visible(to))
    jump_host = strategy.runs_on is RunsOn.JUMP_HOST
    if jump_host:  # its commands name no host's shell: say where
        on_hosts = (
            "its health check runs on each host over SSH"
            if strategy.commands.health and not undo
            else "nothing is sent to the hosts"
        )
        text.append("\nRuns on: ", style="bold").append(
            f"this jump host, in the console's environment, once for each host; {on_hosts}"
        )
    w = strategy.waves
    sizes = w.plan(hosts)
    if len(sizes) > 1:
        waves = sizes_said(sizes)
        if w.pause_seconds:
            waves += f", {w.pause_seconds:g} s apart"
        if host_probes and not undo:
            read = "the probes read after each on the hosts that succeeded so far"
            read += f" ({named(host_probes)}"
            waves += f", {read}; one not healthy halts it)"
        if w.confirm:
            waves += ", your yes before each next one"
    else:
        waves = sizes_said(sizes or [hosts])
    text.append("\nWaves: ", style="bold").append(waves)
    if strategy.max_fail_percentage is not None and hosts > 1:  # a line of its own: never
        text.append("\nFailures: ", style="bold").append(  # "N%": one word, never split
            f"no more hosts start once over {strategy.max_fail_percentage:g}% have failed"
        )
    stepping = STRATEGY_KINDS[strategy.kind].stepping
    if stepping is not None and not undo:  # a gradual re-enable: every host in every stage
        values = stepping.values(chosen)[held.index if held else 0 :]
        stages = ", ".join(f"{v}{stepping.unit}" for v in values)
        if held:
            stages = f"held at {held.percent}%, goes on with {stages}"
        stages += ", each checked on every host before the next"
        if w.pause_seconds:
            stages += f", {w.pause_seconds:g} s apart"
        if probes:
            when = "first and after each" if held else "after each"
            stages += f", the probes read {when} ({named(probes)}; one not healthy holds it)"
        if w.confirm:
            stages += ", your yes before each next one"
        text.append("\nStages: ", style="bold").append(stages)
    if undo:  # a flag service's, from here: the hosts hold none of it
        where = "from here, once for each host" if jump_host else "on each host"
        does = f"its undo puts back what the action changed {where}"
        if strategy.kind in _RECOVERIES:  # read as a clean-up, it would bring the bad data back
            does = f"its undo puts back the data the recovery replaced {where}, bad data included"
        text.append("\nDoes: ", style="bold").append(does)
        return text
    if strategy.description:
        text.append("\nDoes: ", style="bold").append(visible(strategy.description))
    defaults = {p.name: p.default or "" for p in strategy.params}  # none: nothing set
    given, said = given_first(chosen, defaults), said_params(chosen, defaults)
    count = f" ({said})" if said > 1 else ""
    text.append(f"\nWith{count}: ", style="bold").append(given or "its parameters' defaults")
    return text


class RunConfirm(ButtonDialog[bool]):
    """`Run “Restore previous version” on 3 hosts?` (or `Retry ...` on the hosts a retry
    takes) with what it does and the rendered commands; the safe answer (Esc) has focus,
    y runs. What is below the fold scrolls with the arrows and PgUp/PgDn at once."""

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("escape", "answer(False)", "Cancel", id="run.cancel"),
        Binding("y", "answer(True)", "Run", id="run.yes"),
        Binding("up", "scroll_by(-1)", "Scroll up", id="run.up", show=False),
        Binding("down", "scroll_by(1)", "Scroll down", id="run.down", show=False),
        Binding("pageup", "scroll_page(-1)", "Page up", id="run.page-up", show=False),
        Binding("pagedown", "scroll_page(1)", "Page down", id="run.page-down", show=False),
    ]

    def __init__(
        self,
        title: str,
        systems: list[str],
        per_host: dict[str, Commands],
        about: Text | None = None,
        verb: str = "Run",
        standing: str = "",
        changed: tuple[str, str] = ("", ""),
    ):
        super().__init__()
        self.verb = verb
        # A configuration file changed since start: headline, what (engine/config_drift.py).
        self.changed, self.changes = changed
        self.standing = standing  # a retry's hosts counted: `1 failed, 3 not started`
        self.title_text = title
        self.systems = systems
        self.per_host = per_host
        self.about = about  # a strategy step's strategy_text
        self._width = 0  # the text's width on screen, once laid out

    def _text(self, width: int = 0) -> Text:
        """What it does and sends; a command line longer than `width` (the text's width
        on screen, once known) goes on under itself, never from the dialog's left edge."""
        hosts = list(self.per_host)
        first = hosts[0]
        text = Text.assemble(
            ("Systems: ", "bold"), ", ".join(self.systems), "\n", ("Hosts: ", "bold"), _hosts(hosts)
        )
        if self.about is not None:
            text.append("\n").append_text(self.about)
        text.append(
            f"\n{_sends(self.per_host, self.app.key_label('checklist.preview'))}:", style="bold"
        )
        for stage, command in self.per_host[first]:
            lines = command.shown.strip().splitlines()  # a secret shows masked
            text.append(f"\n  {stage}:", style="dim")
            for line in lines:  # every line: nothing goes that was not seen (it scrolls)
                for i, part in enumerate(_hang(line, width - len(COMMAND))):
                    text.append(f"\n{COMMAND if i == 0 else ' ' * len(COMMAND)}{part}")
        return text

    def compose(self) -> ComposeResult:
        hosts = list(self.per_host)
        text = self._text()
        keys = "/".join(
            self.app.key_label(f"run.{k}") for k in ("up", "down", "page-up", "page-down")
        )
        preview = self.app.key_label("checklist.preview")
        with Vertical(classes="dialog -danger", id="run-confirm"):
            yield Label(f"{self.verb} “{self.title_text}” {self._where()}?", classes="dialog-title")
            if self.changed:  # above what scrolls: in sight whatever the commands' length
                yield Static(f"! {self.changed}", id="run-changed", markup=False)
            with VerticalScroll(id="run-commands"):
                yield Static(text, classes="dialog-text")
                if self.changes:  # after the commands: they stay in view at 80x24
                    yield Static(f"! {self.changes}", id="run-changes", markup=False)
            yield Static(
                f"{keys} scroll; {preview} on the checklist shows every host's commands."
                " Your name goes into the record with the run.",
                classes="dialog-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                cancel, yes = self.app.key_label("run.cancel"), self.app.key_label("run.yes")
                yield Button(f"Cancel ({cancel})", id="no", variant="primary")
                yield Button(
                    f"{self.verb} on {len(hosts)} host(s) ({yes})", id="yes", variant="error"
                )
            # what Enter does, as every yes/no dialog of the console says it
            yield Static("", id="confirm-hint", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()
        self._hint(yes=False)
        self.call_after_refresh(self._rewrap)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._hint(yes=event.widget.id == "yes")

    def _hint(self, yes: bool) -> None:
        keys = self.app.key_label("run.yes"), self.app.key_label("run.cancel")
        run = f"{self.verb} {self._where()}"
        self.query_one("#confirm-hint", Static).update(enter_says(run, "Cancel", yes, *keys))

    def _where(self) -> str:
        """`on 4 host(s)`, or for a retry `on 4 host(s): 1 failed, 3 not started`."""
        where = f"on {len(self.per_host)} host(s)"
        return f"{where}: {self.standing}" if self.standing else where

    def on_resize(self) -> None:
        self.call_after_refresh(self._rewrap)

    def _rewrap(self) -> None:
        """Wrap the long command lines at the width the text has on screen."""
        text = self.query_one("#run-commands .dialog-text", Static)
        width = text.content_region.width
        if width and width != self._width:
            self._width = width
            text.update(self._text(width))

    def answer(self, button: Button) -> None:
        self.dismiss(button.id == "yes")

    def action_scroll_by(self, lines: int) -> None:
        self.query_one("#run-commands", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_scroll_page(self, pages: int) -> None:
        area = self.query_one("#run-commands", VerticalScroll)
        area.scroll_relative(
            y=pages * max(area.scrollable_content_region.height - 1, 1), animate=False
        )

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class NotifyDialog(ModalScreen[str | None]):
    """The status update as it will be sent, editable; Enter sends it, Esc does not."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="notify.cancel")]

    def __init__(
        self,
        title: str,
        message: str,
        targets: list[str],
        every: float | None = None,
        changed: tuple[str, str] = ("", ""),
    ):
        super().__init__()
        # A configuration file changed since start: its line (what, key by key, goes in
        # the note the update records: the channels and message stay in sight at 80x24).
        self.changed = changed[0]
        self.title_text = title
        self.message = message
        self.targets = targets
        self.every = every  # minutes: the step's update goes again until the close

    def compose(self) -> ComposeResult:
        shown = self.targets
        if len(shown) > MAX_TARGETS:  # the message and how to send it stay in sight at 80x24
            rest = [t.split(":", 1)[0] for t in shown[MAX_TARGETS - 1 :]]
            shown = [*shown[: MAX_TARGETS - 1], f"… and {len(rest)} more: {', '.join(rest)}"]
        with Vertical(classes="dialog", id="notify-dialog"):
            yield Label(f"Send “{self.title_text}”?", classes="dialog-title")
            if self.changed:
                yield Static(f"! {self.changed}", id="notify-changed", markup=False)
            with Vertical(id="notify-targets"):
                # seen: a step with `every` said nothing of it before it was sent
                again = f"every {self.every:g} min" if self.every else ""
                yield Static(f"To (then again {again} until the close):" if again else "To:")
                for target in shown:
                    # a command goes on under its own start, whole: nothing is sent that was
                    # not seen, and so does a channel that cannot send (why, whole) or may
                    # have it already; a webhook's line is cut with … at the dialog's width
                    whole = RUNS in target or NOT_SENT in target or MAY_PAGE_TWICE in target
                    with Horizontal(classes="target-row"):
                        yield Static("→", classes="arrow")
                        yield Static(
                            Text(visible(target, one_line=True)),
                            classes="target -whole" if whole else "target",
                        )
            yield Label("Message (edit it if you like; what is sent is journalled):")
            yield MessageArea(self.message, id="notify-message")
            yield Label("", id="notify-error", classes="error-line")
            yield Static(self._hint(), classes="dialog-hint")

    def _hint(self) -> str:
        """What Enter does: with a channel that cannot send from this console, where it
        sends, or that it sends nowhere (seen: "Enter sends" over two channels both NOT
        SENT, their variables not set here)."""
        cannot = sum(NOT_SENT in t for t in self.targets)
        took = sum(NOT_AGAIN in t for t in self.targets)  # a retry: delivered there already
        if cannot and cannot + took == len(self.targets):
            return "No channel can send it: Enter records it as NOT SENT · Esc records nothing"
        if cannot or took:
            can = len(self.targets) - cannot - took
            return f"Enter sends it on {can} of {len(self.targets)} channels · Esc does not send"
        return "Enter sends · Esc does not send"

    def on_mount(self) -> None:
        self.query_one("#notify-message", MessageArea).focus()

    def unsaved_note(self, why: str) -> str:
        """The note that keeps the update as edited here, never sent, once the console
        ends (`why`) with this dialog open; "" when it is as the step wrote it."""
        if not self.is_mounted:
            return ""
        text = self.query_one("#notify-message", MessageArea).value.strip()
        if not text or text == " ".join(self.message.splitlines()).strip():
            return ""
        return (
            f"Send “{self.title_text}”: left unanswered when the console ended ({why}), so"
            f" not sent; edited to: “{text}”"
        )

    def on_message_area_submitted(self, event: MessageArea.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#notify-error", Label).update("✘ The message is empty.")
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
