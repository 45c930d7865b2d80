"""Post-rollback: the fields that feed the document, each journalled when saved."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Label, Static

from console.model.procedure import FormField, StepKind
from console.ui.screens.base import IncidentScreen
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.plain import plain
from console.ui.widgets.status import status_text

PLACEHOLDERS = {
    FormField.REASON: "Why was the delivery rolled back?",
    FormField.ROOT_CAUSE: "What made it fail?",
    FormField.REMEDIATION: "What will be fixed, by whom?",
    FormField.PROCEDURE_UPDATES: "What changes in this procedure?",
    FormField.RETRY_SCHEDULE: "YYYY-MM-DD",
    FormField.LESSONS: "What did we learn?",
}


def check_date(text: str) -> str | None:
    """None if `text` is empty or a real YYYY-MM-DD date, else what is wrong."""
    if not text.strip():
        return None
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return f"“{text.strip()}” is not a date: write it as YYYY-MM-DD, e.g. 2026-12-01."
    if len(text.strip()) != 10:
        return "Write the date as YYYY-MM-DD, e.g. 2026-12-01."
    return None


class FormScreen(IncidentScreen):
    """Fill in the post-rollback fields; Ctrl+S saves and completes the form steps."""

    TAB = "form"
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="form.save")]

    def compose(self) -> ComposeResult:
        yield IncidentBar(self.TAB)
        yield Static(" Post-rollback activities · Tab moves · Ctrl+S saves", classes="screen-title")
        with VerticalScroll(id="form-body"):
            for field in FormField:
                yield Label(field.label, id=f"label-{field.value}", classes="field-label")
                yield Input(
                    placeholder=PLACEHOLDERS[field], id=f"field-{field.value}", compact=True
                )
            yield Label("", id="form-error", classes="error-line")
        yield Footer()

    def on_mount(self) -> None:
        state = self.conductor.state
        for field in FormField:
            self.query_one(f"#field-{field.value}", Input).value = state.fields.get(field.value, "")
        self.sync()
        self.query_one(f"#field-{FormField.REASON.value}", Input).focus()

    def form_steps(self):
        return [s for s in self.app.settings.procedure.steps if s.kind is StepKind.FORM]

    def sync(self) -> None:
        if not self.is_mounted:
            return
        state = self.conductor.state
        for field in FormField:
            step = next((s for s in self.form_steps() if field in s.fields), None)
            label = self.query_one(f"#label-{field.value}", Label)
            if step is None:
                label.update(field.label)
                continue
            status = status_text(state.step(step.id).status)
            label.update(status.append(f"  {field.label}  ·  step “{step.title}”"))

    def values(self) -> dict[FormField, str]:
        return {f: self.query_one(f"#field-{f.value}", Input).value.strip() for f in FormField}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()

    def action_save(self) -> None:
        error = self.query_one("#form-error", Label)
        values = self.values()
        problem = check_date(values[FormField.RETRY_SCHEDULE])
        if problem:
            error.update(plain(f"✘ Retry schedule: {problem}"))  # it quotes what was typed
            self.query_one(f"#field-{FormField.RETRY_SCHEDULE.value}", Input).focus()
            return
        error.update("")
        conductor = self.conductor
        completed = 0
        for step in self.form_steps():
            mine = {f: values[f] for f in step.fields if values[f]}
            st = conductor.state.step(step.id)
            if not st.status.finished and mine:
                conductor.complete_form(step.id, mine)
                completed += 1
            elif st.status.finished:
                for field, value in mine.items():
                    if conductor.state.fields.get(field.value) != value:
                        conductor.set_field(field, value, step.id)
        missing = [f.label for f, v in values.items() if not v]
        message = f"Saved. {completed} form step(s) completed."
        if missing:
            message += f" Still empty: {', '.join(missing)}."
        self.notify(message, title="Post-rollback")
