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
