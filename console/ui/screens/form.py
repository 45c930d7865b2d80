"""Post-rollback: the review fields that feed the document, each journalled when saved —
the reason and the impact, the analysis, action items as rows, the three-part lessons,
and the retry with its owner."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from console.engine.errors import ProcedureError
from console.model.action_item import action_item
from console.model.procedure import FormField, StepKind
from console.model.review import ITEM_COLUMNS, FieldError, FieldValue, check_field, filled_in
from console.model.status import StepStatus
from console.model.visible import visible
from console.ui.screens.base import IncidentScreen
from console.ui.widgets.action_items import ActionItemRow, ActionItems
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.key_footer import KeyFooter
from console.ui.widgets.plain import plain
from console.ui.widgets.status import status_text
from console.ui.widgets.typeahead import FieldInput

F = FormField
GROUPS = [
    ("Reason and impact", [F.REASON, F.SEVERITY, F.IMPACT_USERS, F.IMPACT_START, F.IMPACT_END,
                           F.BUSINESS_IMPACT]),
    ("Analysis", [F.ROOT_CAUSE, F.REMEDIATION, F.ACTION_ITEMS]),
    ("Procedure and lessons", [F.PROCEDURE_UPDATES, F.WENT_WELL, F.WENT_WRONG, F.GOT_LUCKY,
                               F.LESSONS]),
    ("Retry", [F.RETRY_SCHEDULE, F.RETRY_OWNER]),
]  # fmt: skip
PLACEHOLDERS = {
    F.REASON: "Why was the delivery rolled back?",
    F.SEVERITY: "e.g. SEV2",
    F.IMPACT_USERS: "Who was affected, how many?",
    F.IMPACT_START: "YYYY-MM-DD HH:MM (UTC)",
    F.IMPACT_END: "YYYY-MM-DD HH:MM (UTC)",
    F.BUSINESS_IMPACT: "Orders, revenue, SLAs, reputation",
    F.ROOT_CAUSE: "What made it fail?",
    F.REMEDIATION: "What will be fixed, how?",
    F.PROCEDURE_UPDATES: "What changes in this procedure?",
    F.WENT_WELL: "What went well?",
    F.WENT_WRONG: "What went wrong?",
    F.GOT_LUCKY: "Where did we get lucky?",
    F.LESSONS: "What did we learn?",
    F.RETRY_SCHEDULE: "YYYY-MM-DD HH:MM (UTC)",
    F.RETRY_OWNER: "Who runs the retry?",
}
TEXT_FIELDS = [f for f in FormField if f is not F.ACTION_ITEMS]
# Fields of one value (a date-time, a name): a paste's line breaks are spaces there.
ONE_LINE = {F.SEVERITY, F.IMPACT_START, F.IMPACT_END, F.RETRY_SCHEDULE, F.RETRY_OWNER}


class FormScreen(IncidentScreen):
    """Fill in the post-rollback fields; Ctrl+S checks and saves them and completes the
    form steps whose fields are filled."""

    # Keys typed before it was drawn are its own (fields typed as it opens): key_turns.py.
    TAKES_TYPE_AHEAD = True

    # What the footer shows first at 80 columns; F1 lists every key.
    FOOTER = ("form.save", "incident.close", "watch.decide", "incident.back")

    TAB = "form"
    # on_mount gives the reason its focus; Textual's auto focus would also centre it on a
    # layout not made yet, scrolling the group's title and its label out of sight (80x24).
    AUTO_FOCUS = ""  # (None would fall back to the app's)
    open_at: str | None = None  # the form step it was opened from: its first field gets the cursor
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("ctrl+n", "add_item", "Add action item", id="form.add-item"),
        Binding("ctrl+d", "remove_item", "Remove action item", id="form.remove-item"),
    ]

    def compose(self) -> ComposeResult:
        yield IncidentBar(self.TAB)
        yield Static("", id="form-title", classes="screen-title")
        with VerticalScroll(id="form-body", can_focus=False):
            for title, fields in GROUPS:
                yield Static(title, classes="form-group")
                for field in fields:
                    yield Label(field.label, id=f"label-{field.value}", classes="field-label")
                    if field is F.ACTION_ITEMS:
                        yield ActionItems(self._items(), id="field-action_items")
                    else:
                        yield FieldInput(
                            placeholder=PLACEHOLDERS[field],
                            id=f"field-{field.value}",
                            compact=True,
                            lines=field not in ONE_LINE,  # a log excerpt pasted whole
                        )
        yield Label("", id="form-error", classes="error-line")
        yield KeyFooter()

    def _items(self) -> list[dict[str, str]]:
        return [dict(row) for row in self.incident.state.action_items]

    def on_mount(self) -> None:
        state = self.incident.state
        for field in TEXT_FIELDS:
            text = state.fields.get(field.value, "")
            self.query_one(f"#field-{field.value}", FieldInput).prefill(text)
        if F.REASON.value not in state.fields and state.trigger and not state.closed:
            # As a headless run fills it from --reason: selected, so typing replaces it.
            reason = visible(state.trigger.reason, one_line=True)
            box = self.query_one(f"#field-{F.REASON.value}", FieldInput)
            box.prefill(reason, selected=True)
        legacy = bool(state.fields.get(F.LESSONS.value)) or any(
            F.LESSONS in s.fields for s in self.form_steps()
        )
        for widget in (f"#label-{F.LESSONS.value}", f"#field-{F.LESSONS.value}"):
            self.query_one(widget).display = legacy
        self.sync()
        self.shown = self.typed()  # as it opened: what is typed since is the person's
        self.set_focus(self.query_one(f"#field-{F.REASON.value}", Input), scroll_visible=False)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if self.open_at is not None:  # after Textual gives the focus back to where it was
            self.call_after_refresh(self.focus_step, self.open_at)
            self.open_at = None

    def focus_step(self, step_id: str) -> None:
        """The cursor to the first text field of form step `step_id` (opened from it)."""
        step = next((s for s in self.form_steps() if s.id == step_id), None)
        fields = [f for f in step.fields if f is not F.ACTION_ITEMS] if step else []
        if fields:
            field = self.query_one(f"#field-{fields[0].value}", Input)
            self.set_focus(field, scroll_visible=False)
            self.query_one(f"#label-{fields[0].value}").scroll_visible(animate=False)
            field.scroll_visible(animate=False)  # its label too: what the field is for

    def form_steps(self):
        return [s for s in self.app.settings.procedure.steps if s.kind is StepKind.FORM]

    def sync(self) -> None:
        if not self.is_mounted:
            return
        state = self.incident.state
        save = self.app.key_label("form.save")
        if self.app.read_only:  # a follower: the fields and Save are the commander's
            title = " Post-rollback review (read-only: the commander fills it in)"
        elif state.closed:
            title = " Amending the closed incident: each change is recorded as an amendment"
        else:
            title = f" Post-rollback: document the rollback · Tab moves · {save} saves"
        self.show(self.query_one("#form-title", Static), title)
        named: set[str] = set()  # a step is named at its first field on screen
        for _, fields in GROUPS:
            for field in fields:
                step = next((s for s in self.form_steps() if field in s.fields), None)
                label = self.query_one(f"#label-{field.value}", Label)
                if step is None:
                    label.update(field.label)
                    continue
                status = state.step(step.id).status
                # The field's own mark: ☑ once it holds a value, ☐ while empty, even in a
                # step already done; otherwise the step's symbol. The step says its status
                # in words once, at its first field.
                if filled_in(state, field):
                    mark = StepStatus.DONE
                else:
                    mark = StepStatus.PENDING if status is StepStatus.DONE else status
                text = status_text(mark)
                text.truncate(1)
                text.append(f" {field.label}")
                if step.id not in named:
                    named.add(step.id)
                    text.append(f" — step “{step.title}”: {status.value}", style="dim")
                label.update(text)

    def unsaved(self) -> str:
        """The fields typed here and not saved, as a note says them (`Severity: “SEV2”;
        Action items: “add a canary gate | prevent | dana”`), or "" (never opened, or
        nothing typed since the last save). The action items are said whole, as typed
        (`none` once every row is cleared), when they differ from those saved."""
        if not self.is_mounted:
            return ""
        fields, shown = self.incident.state.fields, getattr(self, "shown", {})
        said = [
            f"{f.label}: “{v}”"
            for f, v in self.values().items()
            if v != shown.get(f, "") and v != fields.get(f.value, "").strip()
        ]
        items = self.typed_items()
        if items != shown.get(F.ACTION_ITEMS, ()) and items != _lines(self._items()):
            said.append(f"{F.ACTION_ITEMS.label}: {', '.join(f'“{i}”' for i in items) or 'none'}")
        return "; ".join(said)

    def typed(self) -> dict[FormField, object]:
        """Every field as typed, the action items as their lines: what `unsaved` says
        is typed since (`shown`: as the form opened, or as last noted)."""
        return {**self.values(), F.ACTION_ITEMS: self.typed_items()}

    def typed_items(self) -> tuple[str, ...]:
        """The action items' rows as typed, each as a line `ACTION | TYPE | OWNER | ...`
        (empty trailing columns left out); a row with nothing typed is no item."""
        return _lines(row.row() for row in self.query(ActionItemRow))

    def values(self) -> dict[FormField, str]:
        return {f: self.query_one(f"#field-{f.value}", Input).value.strip() for f in TEXT_FIELDS}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not isinstance(event.input, FieldInput):  # a FieldInput moves on by itself
            self.focus_next()

    async def action_add_item(self) -> None:
        """A new row, its first field focused and in view (at 80x24 it was added below
        the screen's edge, nothing moving, and typing went into it there). Focused once
        mounted: looked for after the next refresh, its fields were not always there yet
        ('NoMatches: No nodes match 'Input' on ActionItemRow()' ended the console). Focused
        here, not by `focus()`, which sets it later: the keys typed behind ^n went to the
        field it was on until then (its first letter in the reason)."""
        row = ActionItemRow()
        await self.query_one(ActionItems).mount(row)
        self.set_focus(row.query_one(Input), scroll_visible=False)

        def into_view() -> None:
            if row.is_attached:  # not removed meanwhile
                row.scroll_visible(animate=False)

        self.call_after_refresh(into_view)

    def action_remove_item(self) -> None:
        focused = self.focused
        row = (
            next((a for a in focused.ancestors if isinstance(a, ActionItemRow)), None)
            if focused
            else None
        )
        if row is None:
            self.notify("Put the cursor in the action item to remove.", severity="warning")
            return
        self.query_one(ActionItems).remove_row(row)

    def _checked(self) -> tuple[dict[FormField, FieldValue], str | None, Widget | None]:
        """Every value as it will be journalled, or what is wrong and where to go."""
        checked: dict[FormField, FieldValue] = {}
        for field, value in self.values().items():
            try:
                checked[field] = check_field(field, value)
            except FieldError as exc:
                return {}, f"{field.label}: {exc}", self.query_one(f"#field-{field.value}")
        items: list[dict[str, str]] = []
        for number, row in enumerate(self.query(ActionItemRow), start=1):
            typed = row.row()
            if not typed["action"] and not any(typed[c] for c in ("owner", "due", "ticket")):
                continue
            try:
                items.append(action_item(typed).model_dump(mode="json"))
            except FieldError as exc:
                return {}, f"Action item {number}: {exc}", row.query_one(Input)
        checked[F.ACTION_ITEMS] = items
        return checked, None, None

    def action_save(self) -> None:
        error = self.query_one("#form-error", Label)
        values, problem, where = self._checked()
        if problem:
            error.update(plain(f"✘ {problem}"))  # it quotes what was typed
            if where is not None:
                where.focus()
            return
        error.update("")
        try:
            completed, needed = self._save(values)
        except ProcedureError as exc:
            error.update(plain(f"✘ {exc}"))
            return
        missing = [f.label for f, v in values.items() if not v and f is not F.LESSONS]
        message = f"Saved. {completed} form step(s) completed."
        for title, empty in needed.items():  # what keeps a step from done, first
            message += f" “{title}” is done once filled: {', '.join(empty)}."
        others = [m for m in missing if not any(m in e for e in needed.values())]
        if others:
            message += f" Still empty: {', '.join(others)}."
        self.notify(message, title="Post-rollback")

    def _save(self, values: dict[FormField, FieldValue]) -> tuple[int, dict[str, list[str]]]:
        """Journal what changed: a form step's fields, the step completed once those it
        requires are filled (again, its count updated, when one changed since); a field
        of a skipped step, or of no step, is set on its own. The steps completed now, and
        for each step not done, the labels of its required fields still empty."""
        incident = self.incident
        state = incident.state

        def current(field: FormField) -> FieldValue:
            if field is F.ACTION_ITEMS:
                return [dict(r) for r in state.action_items]
            return state.fields.get(field.value, "")

        completed = 0
        needed: dict[str, list[str]] = {}
        owned: set[FormField] = set()
        for step in self.form_steps():
            owned |= set(step.fields)
            status = state.step(step.id).status
            if status in (StepStatus.PENDING, StepStatus.DONE):
                mine = {f: values[f] for f in step.fields if f in values}
                empty = incident.complete_form(step.id, mine)
                if empty:
                    needed[step.title] = empty
                elif status is StepStatus.PENDING:
                    completed += 1
                continue
            for field in step.fields:
                if field in values and values[field] != current(field):
                    incident.set_field(field, values[field], step.id)
        for field, value in values.items():
            if field not in owned and value != current(field):
                incident.set_field(field, value)
        return completed, needed


def _lines(rows) -> tuple[str, ...]:
    """Action items' rows (mappings of ITEM_COLUMNS) as lines `ACTION | TYPE | ...`, empty
    trailing columns left out; a row with no action, owner, due date or ticket is none."""
    lines = []
    for row in rows:
        if not any(str(row.get(c) or "").strip() for c in ("action", "owner", "due", "ticket")):
            continue
        cells = [str(row.get(c) or "").strip() for c in ITEM_COLUMNS]
        while cells and not cells[-1]:
            cells.pop()
        lines.append(" | ".join(cells))
    return tuple(lines)
