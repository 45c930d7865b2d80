"""The console's own status colours come from the theme in use, never from fixed hex."""

from textual.app import App

from console.model.status import HostStatus
from console.ui.palette import themed
from console.ui.theme import ROLLBACK_THEME
from console.ui.widgets.status import status_text


def test_without_an_app_the_console_theme_colours_the_roles():
    assert themed("bold $error").lower() == f"bold {ROLLBACK_THEME.error}".lower()
    assert themed("$success on $primary").lower() == (
        f"{ROLLBACK_THEME.success} on {ROLLBACK_THEME.primary}".lower()
    )
    assert themed("dim") == "dim"


async def test_a_theme_chosen_in_the_app_recolours_the_statuses():
    app = App()
    async with app.run_test():
        app.theme = "textual-light"
        light = app.current_theme
        assert light.name == "textual-light" and light.error is not None
        failed = status_text(HostStatus.FAILED).style
        assert str(failed).lower() == f"bold {light.error}".lower()
        assert light.error.lower() != ROLLBACK_THEME.error
