"""The post-rollback form marks each field by what it holds, not by its step alone."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import events
from textual.widgets import Input, Label
from textual.widgets.input import Selection

from console.journal.export.markdown import render_markdown
from console.model.form_fields import FormField
from console.model.settings import Settings
from console.model.status import StepStatus
from console.ui.screens.form import FormScreen
from console.ui.screens.step_detail import step_detail
from console.ui.widgets.action_items import ActionItemRow
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    type_text,
    until,
)


async def test_an_empty_field_of_a_done_step_is_not_ticked(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        app.screen.query_one("#field-remediation", Input).focus()
        await type_text(pilot, "fix the token handling")
        await pilot.press("ctrl+s")
        conductor = app.conductor
        await until(pilot, lambda: conductor.state.step("remediation").status is StepStatus.DONE)
        await pilot.pause(0.1)

        def label(field: str) -> str:
            return str(app.screen.query_one(f"#label-{field}", Label).render())

        assert label("remediation").startswith("☑ Remediation")
        assert label("action_items").startswith("☐ Action items")
        assert label("root_cause").startswith("☐ Root cause")  # a step still pending


async def test_the_reason_starts_as_the_triggers_and_typing_replaces_it(tmp_path: Path) -> None:
    """As a headless run fills it from --reason; selected, so what is typed replaces it."""
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot, "checkout errors for 30% of users")
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        reason = app.screen.query_one("#field-reason", Input)
        assert reason.value == "checkout errors for 30% of users"
        assert reason.selected_text == reason.value
        await pilot.press("ctrl+s")
        conductor = app.conductor
        await until(pilot, lambda: conductor.state.step("document-reason").status.finished)
        assert conductor.state.fields["reason"] == "checkout errors for 30% of users"
        reason.focus()
        await pilot.pause(0.1)
        await type_text(pilot, "web 2.4.1 broke checkout")
        assert reason.value == "web 2.4.1 broke checkout"


async def test_a_long_reason_is_shown_from_its_start(tmp_path: Path) -> None:
    """A trigger's reason wider than the field, prefilled and selected, read from its
    middle at 80x24 ("> 0.1 (the trigger's level; ... in a ro", seen in tmux on a README
    fleet): it shows from its first word, still selected, so typing replaces it."""
    long = (
        "Critical error threshold exceeded: shop/error-rate = 0.4 > 0.1 (the trigger's"
        " level; the probe is bad > 0.05), 2 bad samples in a row"
    )
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot, long)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        await pilot.pause(0.2)
        reason = app.screen.query_one("#field-reason", Input)
        assert app.focused is reason and reason.value == long
        assert reason.content_size.width < len(long)
        assert reason.scroll_x == 0 and reason.cursor_position == 0
        assert reason.selected_text == long
        await type_text(pilot, "web 2.4.1 broke checkout")
        assert reason.value == "web 2.4.1 broke checkout"


async def test_the_form_opens_with_its_first_field_labelled_on_screen(tmp_path: Path) -> None:
    """Opened from its step at 80x24, the reason field has the focus, its group's title and
    its label in sight. Textual's auto focus centred it on a layout not made yet: the
    title and "Reason" scrolled away, the prefilled reason selected under no label, and
    what was typed next (meant for Severity) replaced it (seen in tmux)."""
    from console.model.procedure import StepKind

    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        while (step := conductor.current()) is not None and step.kind is not StepKind.FORM:
            conductor.skip(step.id, "not part of this test")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        await pilot.pause(0.6)  # any scrolling animation would be over
        body = app.screen.query_one("#form-body")
        assert app.focused is app.screen.query_one("#field-reason", Input)
        assert body.scroll_y == 0
        label = app.screen.query_one("#label-reason", Label)
        assert body.region.contains_region(label.region)


async def test_a_long_label_wraps_at_80x24_rather_than_being_cut(tmp_path: Path) -> None:
    """The reason's label names its step and the step's status: at 80 columns it was cut
    after “…remediation”: pend' (seen in tmux on a README fleet); it wraps onto a second
    line instead, each label as wide as the form and no wider."""
    from console.model.loading import load_settings
    from console.model.settings import Settings
    from console.paths import example_config

    data = demo_settings().dumped()
    example = load_settings(example_config()).procedure.step("document").title
    for phase in data["procedure"]["phases"]:
        for step in phase["steps"]:
            if step["id"] == "document-reason":
                step["title"] = example  # the example's, longer than the demo's
    app = build_app(Settings.validated(data), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        await pilot.pause(0.2)
        body = app.screen.query_one("#form-body")
        label = app.screen.query_one("#label-reason", Label)
        assert str(label.render()).endswith(": pending"), len(str(label.render()))
        assert label.region.width <= body.content_region.width
        assert label.region.height == 2, str(label.render())
        for each in app.screen.query(".field-label").results(Label):
            assert each.region.width <= body.content_region.width


async def test_a_form_step_is_done_once_its_required_fields_are_filled(tmp_path: Path) -> None:
    """Walked on a README fleet: “Document reason, root cause and remediation” read done
    as soon as the reason was saved, the root cause and remediation empty, while the
    document said '5 of 9 field(s) filled' (and still did once 7 were). A form step is
    done once the fields it requires are filled (required_fields, else all of them); till
    then it stays pending and says which; a later save says the count as it is then."""
    data = demo_settings().dumped()
    for phase in data["procedure"]["phases"]:
        for step in phase["steps"]:
            if step["id"] == "document-reason":
                step["required_fields"] = ["reason", "impact_users"]
    app = build_app(Settings.validated(data), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        await pilot.press("ctrl+s")  # the reason alone
        await until(pilot, lambda: "reason" in conductor.state.fields)
        await pilot.pause(0.1)
        said = [n.message for n in app._notifications]
        assert conductor.state.step("document-reason").status is StepStatus.PENDING
        detail = step_detail(
            app, app.screen.incident, conductor.step("document-reason"), Text("")
        ).plain
        app.screen.query_one("#field-impact_users", Input).focus()
        await type_text(pilot, "30% of checkouts")
        await pilot.press("ctrl+s")
        step = conductor.state.step("document-reason")
        await until(pilot, lambda: step.status is StepStatus.DONE)
        done = step.summary
        app.screen.query_one("#field-severity", Input).focus()
        await type_text(pilot, "SEV2")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: conductor.state.step("document-reason").summary != done)
        later = conductor.state.step("document-reason").summary
        document = render_markdown(conductor.recorder.events)
    assert any(
        "“Document rollback reason” is done once filled: Users or customers affected." in m
        for m in said
    ), said
    assert "1 of 6 field(s) filled; done once filled: Users or customers affected" in detail
    assert done == "2 of 6 field(s) filled, all 2 required"
    assert later == "3 of 6 field(s) filled, all 2 required"
    assert "**Document rollback reason** — done: 3 of 6 field(s) filled, all 2" in document


async def test_ctrl_n_brings_the_new_action_item_into_view_at_80x24(tmp_path: Path) -> None:
    """Walked at 80x24: ^n on the form's first fields added an action item below the
    screen's edge, its cursor there, nothing moving; typing went into a row out of view.
    And ^n with the action typed behind it in one burst (a fast typist, a loaded jump
    host: seen in tmux at load 25) put the action's first keys in the reason field, the
    new row's focus given only after them."""
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        rows = app.screen.query(ActionItemRow)
        before = len(rows)
        reason = app.screen.query_one(f"#field-{FormField.REASON.value}", Input)
        given = reason.value  # the declaration's
        app.post_message(events.Key("ctrl+n", None))  # and the action behind it, at once
        await type_text(pilot, "add a canary gate")
        await until(pilot, lambda: len(app.screen.query(ActionItemRow)) == before + 1)
        row = app.screen.query(ActionItemRow).last()
        field = row.query_one(Input)
        await until(pilot, lambda: app.screen.focused is field)
        assert (field.value, reason.value) == ("add a canary gate", given)
        await pilot.pause(0.2)
        body = app.screen.query_one("#form-body")
        assert body.region.contains_region(field.region), (body.region, field.region)


async def _typed_in(pilot, selector: str, text: str) -> Input:
    """An incident opened, its form, `text` typed into the field `selector`."""
    app = pilot.app
    await open_incident(pilot)
    await pilot.press("f5")
    await until(pilot, lambda: isinstance(app.screen, FormScreen))
    field = app.screen.query_one(selector, Input)
    field.focus()
    await pilot.pause(0.1)
    await type_text(pilot, text)
    return field


async def test_a_field_left_shows_its_value_from_its_start(tmp_path: Path) -> None:
    """Walked at 80x24 (helper-152): once typed and left, a field kept its view at the end
    of what was typed, its start out of sight: the ticket OPS-4411 read "PS-4411", the root
    cause began mid-word ("ializer> change ..."), on the form and after its save."""
    root_cause = "1.4.2 shipped a <CartSerializer> change that assumed non-null coupons" * 2
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        field = await _typed_in(pilot, "#field-root_cause", root_cause)
        ticket = app.screen.query_one(".item-ticket", Input)
        ticket.focus()
        await pilot.pause(0.1)
        await type_text(pilot, "OPS-4411")
        await pilot.press("shift+tab")  # to the due date: the ticket is left
        await pilot.pause(0.2)
        shown = {f.id or "ticket": f.render_line(0).text.strip() for f in (field, ticket)}
        # Offered while left and selected whole, as the close dialog offers a reason: Input
        # scrolled to the selection's end, '  fy system stability” passed…' at 80x24.
        offered = "“Verify system stability” passed before “Restore previous version” ran"
        ticket.value, ticket.selection = offered, Selection(0, len(offered))
        await pilot.pause(0.1)
        shown["offered"] = ticket.render_line(0).text.strip()
        # Filled in while left (as a prefilled reason is), then End in it: the view stayed
        # at its start, the cursor and the end out of sight (its scroll room was the cut's).
        field.prefill(root_cause + " again")
        field.focus()
        await pilot.pause(0.1)
        await pilot.press("end")
        await pilot.pause(0.1)
        at_end = field.render_line(0).text.strip()
    assert at_end.endswith("non-null coupons again"), at_end
    assert shown["field-root_cause"].startswith("1.4.2 shipped a <CartSerializer>"), shown
    assert shown["ticket"] == "OPS-4411", shown
    assert shown["offered"].startswith("“Ve") and "…" in shown["offered"], shown
    # and its end, what was typed last, after a `…` (it ended at the field's edge, unsaid)
    assert "…" in shown["field-root_cause"], shown
    assert shown["field-root_cause"].endswith("assumed non-null coupons"), shown


async def test_a_field_keeps_its_cursor_while_the_terminal_is_away(tmp_path: Path) -> None:
    """The terminal losing the focus (another window) blurs the field too: its cursor stays
    at the end of what was typed, and the typing goes on there once the focus is back."""
    from textual import events

    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        field = await _typed_in(pilot, "#field-root_cause", "a stale worker")
        app.post_message(events.AppBlur())
        await until(pilot, lambda: app.focused is None)
        app.post_message(events.AppFocus())
        await until(pilot, lambda: app.focused is field)
        await type_text(pilot, " held :8080")
        assert field.value == "a stale worker held :8080"


async def test_an_action_item_without_its_action_says_so_in_words(tmp_path: Path) -> None:
    """Walked at 80x24: a ticket typed in an action item's row, its action left empty, and
    Ctrl+S said `✘ Action item 1: action: String should have at least 1 character`, the
    validation library's words. And a priority left empty read `P1`, its placeholder, in
    the row beside what was typed (`rb222ic P1 2026-12-13 SHOP-42`), the document saying
    `–`: an empty field names its column, as owner and ticket do."""
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        row = app.screen.query_one(ActionItemRow)
        empty = {
            column: row.query_one(f".item-{column}", Input).render_line(0).text.strip()
            for column in ("owner", "priority", "ticket")
        }
        assert all(column.startswith(text.lower()) for column, text in empty.items()), empty
        row.query_one(".item-ticket", Input).focus()
        await type_text(pilot, "SHOP-42")
        await pilot.press("ctrl+s")
        error = app.screen.query_one("#form-error", Label)
        await until(pilot, lambda: "Action item 1" in str(error.render()))
        assert str(error.render()) == (
            "✘ Action item 1: action: empty: write what is to be done (the owner, due date"
            " and ticket are for it)"
        ), str(error.render())
