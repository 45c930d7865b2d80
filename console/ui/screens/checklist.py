"""The guided checklist: three phases, every step with its state, the current one marked."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from console.engine.errors import ProcedureError
from console.journal.resolved_said import confirmed
from console.model.procedure import Step, StepKind
from console.model.state import HostStatus, StepState, StepStatus
from console.model.undo_went import SAID, undo_went
from console.model.visible import visible
from console.ui.checklist_row import status_mark, step_row
from console.ui.checklist_todo import current_todo, enter_does
from console.ui.closed_line import closed_line
from console.ui.palette import themed
from console.ui.screens.base import IncidentScreen
from console.ui.screens.command_preview import CommandPreview
from console.ui.screens.step_detail import SENDS_TO_HOSTS, step_detail
from console.ui.undo_first import undo_first_said
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.key_footer import KeyFooter
from console.ui.widgets.one_line import OneLine
from console.ui.widgets.screen_enter import StepList
from console.ui.widgets.sending import sending_text

READ_ONLY_WORDS = "Read-only: the commander driving the incident does the steps"
DRILL_WORDS = "The drill does the steps; notes and the abort stay yours"


ACTS_ON_STEP = ("undo", "preview", "skip", "do_step", "other_strategy")


class ChecklistScreen(IncidentScreen):
    """Walk the procedure: Enter does the highlighted step; S skips; N notes."""

    # What the footer shows first at 80 columns; F1 lists every key.
    FOOTER = (
        "checklist.do",
        "checklist.undo",  # offered only on a strategy step that changed hosts
        "incident.close",
        "checklist.skip",
        "checklist.strategy",  # offered only on a strategy step not running
        "checklist.note",
        "resume.verify",
        "resume.retry",
        "watch.decide",
        "checklist.preview",
        "checklist.current",
        "incident.back",
    )

    TAB = "checklist"
    # Keys typed before it was drawn are its own (key_turns.py), but Enter: it does the
    # step under the cursor, which may have moved since (a step ended, a dialog closed).
    TAKES_TYPE_AHEAD = True
    REFUSES_TYPE_AHEAD = frozenset({"enter"})

    BINDINGS = [
        Binding("enter", "do_step", "Do step", id="checklist.do"),
        Binding("s", "skip", "Skip…", id="checklist.skip"),
        Binding("n", "note", "Note…", id="checklist.note"),
        Binding("c", "current", "Current step", id="checklist.current"),
        Binding("p", "preview", "Preview commands", id="checklist.preview"),
        Binding("u", "undo", "Undo…", id="checklist.undo"),
        Binding("b", "other_strategy", "Other strategy", id="checklist.strategy"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._current: str | None = None

    def compose(self) -> ComposeResult:
        yield IncidentBar(self.TAB)
        with Vertical(id="where"):
            yield OneLine(id="where-step")
            yield Static("", id="where-todo")
        with Horizontal(id="checklist-body"):
            yield StepList(id="steps", compact=True)
            yield Static("", id="step-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sync()
        self.query_one("#steps", OptionList).focus()
        # A channel being retried changes nothing in the journal until it answers: its
        # attempts are shown as they go.
        self.set_interval(1.0, self._sending)

    def _sending(self) -> None:
        if not self.query("#steps"):  # the screen torn down, its timer not stopped yet
            return
        step = self.highlighted_step()
        if (
            step is not None
            and step.kind is StepKind.NOTIFY
            and sending_text(self.incident, step.id)
        ):
            self._detail()

    def _prompt(self, number: int, step: Step, st: StepState, current: bool) -> Text:
        return step_row(number, step, st, self._status(st, 10), current)

    def _status(self, st: StepState, width: int = 0) -> Text:
        return status_mark(self.incident, self.shown_status(st), st, width)

    def sync(self) -> None:
        if not self.is_mounted:
            return
        incident = self.incident
        state = incident.state
        current = incident.current()
        steps = self.query_one("#steps", OptionList)
        keep = steps.highlighted
        options: list[Option | None] = []
        number = 0
        for phase in self.app.settings.procedure.phases:
            options.append(
                Option(
                    Text(f"── {phase.phase.label} ──", style=themed("bold $primary")), disabled=True
                )
            )
            for step in phase.steps:
                number += 1
                is_current = current is not None and step.id == current.id
                options.append(
                    Option(self._prompt(number, step, state.step(step.id), is_current), id=step.id)
                )
        steps.clear_options()
        steps.add_options(options)
        moved = current is not None and current.id != self._current
        self._current = current.id if current else None
        if moved and current is not None:
            steps.highlighted = steps.get_option_index(current.id)
        elif keep is not None:
            steps.highlighted = keep
        self._where(current)
        self._detail()

    def _where(self, current: Step | None) -> None:
        order = self.incident.order
        step_line = self.query_one("#where-step", OneLine)
        todo_line = self.query_one("#where-todo", Static)
        if current is None or self.incident.state.closed:  # closed with steps left: aborted
            self._finished(step_line, todo_line)
            return
        phase = self.app.settings.procedure.phase_of(current.id).label
        index = order.index(current.id) + 1
        # A follower watches: the keys that do steps are the driver's, not theirs.
        todo = READ_ONLY_WORDS if self.app.read_only else self._todo(current, index)
        if not self.app.read_only and not self.app.allows("do_step"):  # a drill drives it
            todo = DRILL_WORDS
        self.show(
            step_line,  # one line, cut with … (app.tcss): what to do below stays in view
            Text.assemble(
                (f" Step {index} of {len(order)}", "bold"),
                f" · {phase} · ",
                (visible(current.title, one_line=True), themed("bold $accent")),
            ),
        )
        self.show(todo_line, f"{todo}.")

    def _todo(self, current: Step, index: int) -> str:
        """What Enter does: on the highlighted step, which is where it acts, and the way
        back when that is not the current one."""
        step = self.highlighted_step()
        back = f"{self.app.key_label('checklist.current')} goes to step {index}"
        if step is not None and step.kind is StepKind.NOTIFY and step.id in self.incident.running:
            key = self.app.key_label  # the abort is F3's: said here, where it waits
            sending = (
                "Sending the status update: each channel's answer is shown below;"
                f" {key('go.execution')} then {key('execution.abort')} stops waiting"
            )
            return sending if step.id == current.id else f"{sending}; {back}"
        if step is None or step.id == current.id:
            return current_todo(self.incident, current, self.app.key_label)
        number = self.incident.order.index(step.id) + 1
        status = self.shown_status(self.incident.state.step(step.id))
        if status is HostStatus.ABORTED or (isinstance(status, StepStatus) and status.finished):
            said = status.value
            if undo := self.incident.state.undone(step.id):
                said = SAID[undo_went(undo)]  # refused: it changed nothing
            return f"Highlighted: step {number}, {said}. {back}"
        if first := undo_first_said(self.app.key_label, self.incident.state, step.id, here=True):
            return f"Highlighted: step {number}, failed: {first}; {back}"
        return f"Highlighted: step {number}, not the current one. {enter_does(self.incident, step)}; {back}"

    def _finished(self, step_line: OneLine, todo_line: Static) -> None:
        """Every step is done: offer the close; once closed, say how it ended."""
        state = self.incident.state
        if state.closed:
            ended = f"{state.closed_at:%H:%M:%S} UTC" if state.closed_at else ""
            self.show(step_line, Text(closed_line(state, ended, self.size.width)))
            form, export = self.app.key_label("go.form"), self.app.key_label("go.export")
            amend = (
                "Read-only"
                if self.app.read_only
                else f"The post-rollback form can still be amended ({form})"
            )
            went = confirmed(state.resolved)  # the release gone back to, as confirmed
            self.show(
                todo_line,
                (f"Confirmed before the run: {went}. " if went else "")
                + f"{amend} · {export} exports.",
            )
            return
        self.show(step_line, Text(" ☑ Every step is done or skipped.", style="bold"))
        todo = "Read-only." if self.app.read_only else "Enter closes the incident with its outcome."
        export = self.app.key_label("go.export")
        self.show(todo_line, f"{todo} {export} exports the rollback document.")

    def highlighted_step(self) -> Step | None:
        steps = self.query_one("#steps", OptionList)
        if steps.highlighted is None:
            return None
        option = steps.get_option_at_index(steps.highlighted)
        return self.incident.step(option.id) if option.id else None

    def _detail(self) -> None:
        step = self.highlighted_step()
        detail = self.query_one("#step-detail", Static)
        if step is None:
            detail.update("")
            return
        st = self.incident.state.step(step.id)
        detail.update(step_detail(self.app, self.incident, step, self._status(st)))

    def action_preview(self) -> None:
        """Every command the highlighted step would send, rendered; nothing is sent."""
        step = self.highlighted_step()
        if step is None:  # p is offered only on a step that sends commands (check_action)
            return
        try:
            per_host = self.incident.preview(step.id)
        except ProcedureError as exc:
            self.notify(str(exc), title="Nothing to preview", severity="error")
            return
        if not per_host:
            self.notify("No hosts are selected yet.", title="Nothing to preview")
            return
        self.app.push_screen(CommandPreview(step.title, per_host))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._where(self.incident.current())
        self._detail()
        self.follow_keys()

    def key_inputs(self) -> tuple[object, ...]:
        step = self.highlighted_step()
        finished = step is not None and self.incident.state.step(step.id).status.finished
        every = self.incident.current() is None  # Enter closes the incident then
        return (step.id if step else None, self._undoable(step), finished, every)

    def _undoable(self, step: Step | None) -> bool:
        """Whether u has `step` to undo: a strategy step that changed hosts, not undone
        already (a failed one may well be what needs it; once closed, u says how)."""
        if step is None or step.kind is not StepKind.STRATEGY:
            return False
        undo = self.incident.state.undone(step.id)
        done = undo is not None and undo.status.finished
        return bool(self.incident.state.step(step.id).changed) and not done

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A key is offered only where it acts on the highlighted step: u on what it can
        undo, p on a step that sends commands (not in the follow view), s on a step not finished, Enter where it
        does something (`_enter_acts`)."""
        if action in ACTS_ON_STEP and self.query("#steps"):
            step = self.highlighted_step()
            finished = step is not None and self.incident.state.step(step.id).status.finished
            acts = {
                # the strategy again, its parameters named: the way on where `previous`
                # differs on the hosts (resolve_first)
                "other_strategy": lambda: self._strategy_idle(step),
                "undo": lambda: self._undoable(step),
                "preview": lambda: (  # a follower has not the strategies to render them
                    not self.app.read_only and step is not None and step.kind in SENDS_TO_HOSTS
                ),
                "skip": lambda: step is not None and not finished,
                "do_step": lambda: self._enter_acts(step, finished),
            }
            if not acts[action]():
                return False
        return super().check_action(action, parameters)

    def _enter_acts(self, step: Step | None, finished: bool) -> bool:
        """Whether Enter does anything: not on a manual step done already, nor on a
        closed incident's steps but its form (amendments); every step done, it closes."""
        if self.incident.state.closed:
            return step is not None and step.kind is StepKind.FORM
        if self.incident.current() is None:
            return True
        return step is not None and not (step.kind is StepKind.MANUAL and finished)

    def action_do_step(self) -> None:
        incident = self.incident
        if incident.current() is None and not incident.state.closed:
            self.app.action_close_incident()
            return
        step = self.highlighted_step()
        if step:
            self.app.do_step(step.id)

    def action_undo(self) -> None:
        step = self.highlighted_step()
        if step:
            self.app.undo_step(step.id)

    def _strategy_idle(self, step: Step | None) -> bool:  # one naming its own: not chosen
        if step is None or step.id in self.incident.running:
            return False
        return step.kind is StepKind.STRATEGY and not step.strategy

    def action_other_strategy(self) -> None:
        from console.ui.screens.picker import PickerScreen

        conductor = self.app.conductor
        if conductor is not None:  # the strategy and values chosen last, to change
            self.app.push_screen(PickerScreen.again(conductor))

    def action_current(self) -> None:
        current = self.incident.current()
        if current:
            steps = self.query_one("#steps", OptionList)
            steps.highlighted = steps.get_option_index(current.id)

    def action_note(self) -> None:
        step = self.highlighted_step()
        self.app.prompt_note(step.id if step else None)

    def action_skip(self) -> None:
        from console.ui.screens.dialogs import TextPrompt

        step = self.highlighted_step()
        if step is None:
            return
        if self.incident.state.step(step.id).status.finished:
            self.notify(f"“{step.title}” is already finished.")
            return

        def skipped(reason: str | None) -> None:
            if not reason:
                return
            try:
                self.incident.skip(step.id, reason)
            except ProcedureError as exc:
                self.notify(str(exc), title="Not skipped", severity="error")

        self.app.push_screen(
            TextPrompt(
                f"Skip “{step.title}”",
                "Why is it safe to skip this step? The reason goes into the record.",
                "Skip reason",
            ),
            skipped,
        )

    def select_step(self, step_id: str) -> None:
        steps = self.query_one("#steps", OptionList)
        steps.highlighted = steps.get_option_index(step_id)
