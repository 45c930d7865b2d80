"""Checkboxes and radio buttons show their state as a mark, not as a colour alone."""

from textual.app import App, ComposeResult
from textual.widgets import RadioSet

from console.ui.widgets.toggles import MarkedCheckbox, MarkedRadioButton


class Toggles(App):
    def compose(self) -> ComposeResult:
        yield MarkedCheckbox("Starred only", id="box")
        with RadioSet():
            yield MarkedRadioButton("Stakeholder decision", id="first")
            yield MarkedRadioButton("User impact assessment", id="second")


def shown(app: App, selector: str) -> str:
    return app.query_one(selector).render().plain


async def test_the_mark_follows_the_value():
    app = Toggles()
    async with app.run_test() as pilot:
        assert "✔" not in shown(app, "#box")
        app.query_one("#box", MarkedCheckbox).toggle()
        await pilot.pause()
        assert "✔" in shown(app, "#box") and "Starred only" in shown(app, "#box")

        assert "●" not in shown(app, "#first") + shown(app, "#second")
        app.query_one("#second", MarkedRadioButton).value = True
        await pilot.pause()
        assert "●" in shown(app, "#second") and "●" not in shown(app, "#first")


LONG = "version-rollback-with-canary-and-cache-warmup-"


class LongChoices(App):
    """The picker's strategies at 80x24: a set 40 columns wide."""

    CSS = "RadioSet { width: 40; } RadioButton { width: 100%; }"

    def compose(self) -> ComposeResult:
        with RadioSet():
            yield MarkedRadioButton(f"{LONG}first", id="first", value=True)
            yield MarkedRadioButton(f"{LONG}last", id="last")
            yield MarkedRadioButton("config-restore", id="short")


def drawn(app: App, selector: str) -> str:
    """The button's line as drawn, at its width."""
    widget = app.query_one(selector)
    return "".join(s.text for s in widget.render_line(0)).rstrip()


async def test_a_label_too_long_keeps_its_end():
    """Seen in the picker at 80x24: 'version-rollback-with-canary-and-c…', the name's end
    (what tells it from a strategy named alike) cut off."""
    app = LongChoices()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first, last = drawn(app, "#first"), drawn(app, "#last")
        assert first.endswith("first") and "…" in first, first
        assert last.endswith("last") and "…" in last, last
        assert "●" in first and "●" not in last
        assert drawn(app, "#short").endswith("config-restore")
