"""The picker's strategy parameters: their fields under the strategy chosen, a value the
redaction covers hidden as it is typed, and the line that says why the picker does not go
on, checked again as the field it names is edited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from console.engine.choice import check_choice
from console.engine.errors import ParameterRefused, ProcedureError
from console.ui.widgets.param_fields import param_fields, secret_note
from console.ui.widgets.plain import plain, prose

if TYPE_CHECKING:
    from console.ui.screens.picker import PickerScreen


class ParamsPane:
    """What `#params`, `#strategy-help` and `#picker-error` of a picker show."""

    def __init__(self, screen: PickerScreen) -> None:
        self.screen = screen
        self._for: str | None = "-"  # the strategy whose fields are shown
        self.error_param: str | None = None  # the parameter the error shown names

    def values(self) -> dict[str, str]:
        return {i.name: i.value for i in self.screen.query(".param").results(Input) if i.name}

    async def show(self) -> None:
        """The chosen strategy's description and parameter fields (once per strategy)."""
        screen = self.screen
        name = screen.strategy()
        box = screen.query_one("#params", Vertical)
        help_text = screen.query_one("#strategy-help", Static)
        if name is None:  # said again as the selection changes, though no strategy did
            systems = screen.systems()
            help_text.update(
                f"{screen.app.settings.why_no_strategy(systems, 'pick fewer')}."
                if systems
                else "Select systems to see the strategies that apply to all of them."
            )
        if self._for == name:
            return
        self._for = name
        if self.error_param is not None:  # it named a field of the strategy left
            self.say("", None)
        await box.remove_children()  # before the new inputs: their ids are the same
        if name is None:
            return
        strategy = screen.app.settings.strategy(name)
        chosen = screen.chosen
        given = chosen[1] if chosen[0] == name else None
        help_text.update(prose(strategy.described(given or {})))  # configuration text
        widgets = param_fields(strategy, self._secret, given)
        box.mount_all(widgets)
        screen.call_after_refresh(self._show_secret_note)

    def edited(self, field: Input) -> None:
        """A parameter's field changed: hidden if a secret; the description said with it (a
        re-enable's stages as typed); checked again if the error shown names it."""
        self._mask_if_secret(field)
        if (name := self.screen.strategy()) is not None:
            does = self.screen.app.settings.strategy(name).described(self.values())
            self.screen.query_one("#strategy-help", Static).update(prose(does))
        if field.name is not None and field.name == self.error_param:
            self._check_again(field.name)

    def _secret(self, value: str) -> bool:
        """Whether console.toml's [redact] covers `value`: then it is hidden here too."""
        return bool(value) and self.screen.app.engine.redactor.text(value) != value

    def _mask_if_secret(self, field: Input) -> None:
        """A value the redaction covers is hidden as soon as it is typed, as every record
        of it is; the host still gets it exactly as typed."""
        if self._secret(field.value):
            field.password = True
        elif not field.value:
            field.password = False
        self._show_secret_note()

    def _show_secret_note(self) -> None:
        screen = self.screen
        notes = screen.query("#params-secret").results(Static)
        note = next(iter(notes), None)
        if note is None:
            return
        hidden = [i.name for i in screen.query(".param").results(Input) if i.password and i.name]
        note.display = bool(hidden)
        note.update(secret_note(hidden))

    def _check_again(self, param: str) -> None:
        """The error shown names `param`, which is being edited: checked again as it is
        typed, so an error it no longer has never stays on screen until Enter."""
        screen = self.screen
        strategy = screen.strategy()
        try:
            if strategy is not None:
                check_choice(screen.app.settings, screen.systems(), strategy, self.values())
        except ParameterRefused as exc:
            if exc.param == param:
                self.say(plain(f"✘ {exc}"), param)
                return
        except ProcedureError:
            pass  # not this parameter's: Enter says it
        self.say("", None)

    def say(self, why: str | Text, param: str | None) -> None:
        """Why the picker does not go on (empty: nothing to say), naming `param` if one."""
        screen = self.screen
        error = screen.query_one("#picker-error", Label)
        error.update(why)
        error.display = bool(why)
        self.error_param = param if why else None
        # In the hint's place: a one-line error leaves the pane's height (and scroll) as is.
        screen.query_one(".hint-line", Static).display = not why
