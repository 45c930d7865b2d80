"""Type-ahead that survives a focus change: a choice followed by text, and form fields
where Enter or Tab moves on.

Textual runs a widget's key *bindings* only once the key has bubbled back to the app,
while printable keys are handled by the widget at once: typed fast (a slow link, a
loaded jump host), `abc⏎def` in a field reads `abcdef`, and the text typed after a
choice lands before the choice is made. These widgets act on their moving keys
themselves, in order, and pass keys that arrive after focus has moved on to where it
went: no keystroke is lost, none lands in the wrong place."""

from __future__ import annotations

from typing import Protocol, cast

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text
from textual import events
from textual.binding import Binding, NoBinding
from textual.expand_tabs import expand_tabs_inline
from textual.geometry import Size
from textual.widgets import Input, RadioButton, RadioSet
from textual.widgets.input import Selection

from console.ui.key_turns import hold_keys, keys_go_behind
from console.ui.widgets.field_text import pasted, shown
from console.ui.widgets.one_line import middle_cut
from console.ui.widgets.toggles import Choice

MOVES = {"down": 1, "right": 1, "up": -1, "left": -1}


class ChoiceScreen(Protocol):
    """The screen a ChoiceThenText is on: which input follows a choice, and what Enter
    does once the choice is made."""

    def text_for(self, choice: str | None) -> Input | None: ...
    def choice_done(self) -> None: ...


async def pass_on(target: Input, event: events.Key) -> bool:
    """Give `event` to `target` as if it had focus; False if it is not a key for it."""
    if isinstance(target, FieldInput) and await target.take(event):
        return True
    if event.is_printable and event.character:
        if target.selection.is_empty:
            target.insert_text_at_cursor(event.character)
        else:  # as typing into it would: a selected (prefilled) text is replaced
            target.replace(event.character, *target.selection)
        return True
    return False


class ChoiceThenText(Choice):
    """Once a button is toggled, or text is typed on the choice made, focus goes to the
    input its screen names for that choice (`screen.text_for(name)`, None when it asks
    nothing), and keys typed meanwhile follow it. Enter does the screen's `choice_done()` once the choice is handed over, or at
    once with `enter_decides` (dialogs); otherwise Enter, like Space, toggles."""

    # Keys reach the bindings only when they came before this set had focus (a dialog
    # just opened, keys typed ahead): Enter then does what it does here, not a toggle.
    BINDINGS = [Binding("enter", "enter", show=False)]

    def __init__(self, *buttons: RadioButton, enter_decides: bool = False, **kwargs):
        super().__init__(*buttons, **kwargs)
        self.enter_decides = enter_decides
        self.choice: str | None = None  # set as the toggle happens, before Textual's message
        self._handed: Input | None = None

    @property
    def _choice_screen(self) -> ChoiceScreen:
        return cast(ChoiceScreen, self.screen)

    def on_mount(self) -> None:
        pressed = [b.name for b in self.query(RadioButton) if b.value]
        self.choice = pressed[0] if pressed else None

    @property
    def _highlighted(self) -> str | None:
        """The name of the button the keyboard highlight is on."""
        return self._nodes[self._selected].name if self._selected is not None else None

    def action_toggle_button(self) -> None:
        super().action_toggle_button()
        if self._selected is None:
            return
        self.choice = self._nodes[self._selected].name
        self._handed = self._choice_screen.text_for(self.choice)
        if self._handed is not None:
            self._handed.display = True
            self._hand_over(self._handed)

    def on_focus(self) -> None:
        self._handed = None  # the commander came back to change the choice

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.choice = event.pressed.name  # a choice made by the program, too

    def action_enter(self) -> None:
        """The choice is done once handed over, or at once with `enter_decides`; else
        Enter toggles, as Space does. Enter on a button other than the one chosen chooses
        it, as Space does, and decides nothing: seen at 80x24, ↓ to "Dismiss it" then
        Enter accepted the trigger (the ● still on Accept), and ↓ to "Aborted" then Enter
        closed as the outcome the record suggested."""
        moved = self.choice is not None and self._highlighted not in (None, self.choice)
        if self._handed is None and moved:
            self.action_toggle_button()
        elif self._handed is not None or self.enter_decides:
            self._choice_screen.choice_done()
        else:
            self.action_toggle_button()

    async def on_key(self, event: events.Key) -> None:
        if await self.take(event):
            event.stop()
            event.prevent_default()

    def step(self, key: str) -> None:
        """Highlight the next or previous button (a key of MOVES)."""
        if MOVES[key] > 0:
            self.action_next_button()
        else:
            self.action_previous_button()

    async def take(self, event: events.Key) -> bool:
        """Act on `event` as this set does (also for a field it handed the focus to,
        where keys typed after ↑ or ↓ arrived); False for a key it leaves."""
        target = self._handed
        if event.key == "enter":
            self.action_enter()
        elif target is not None:
            if not await pass_on(target, event):
                return False
        elif event.key in MOVES:
            self.step(event.key)
        elif event.key == "space":
            self.action_toggle_button()
        elif not await self._type_into_field(event):
            return False
        return True

    async def _type_into_field(self, event: events.Key) -> bool:
        """Text typed on the choice goes to the field it asks for (a suggested outcome's
        reason), not nowhere; when the choice asks for none (or nothing is chosen yet),
        typing chooses the highlighted button if it asks for text, as Space would (the
        text's first space did so), and goes to its field."""
        if not (event.is_printable and event.character):
            return False
        screen = self._choice_screen
        field = screen.text_for(self.choice) if self.choice is not None else None
        highlighted = self._highlighted
        if field is None and highlighted is not None and highlighted != self.choice:
            # Seen: a dismissal's reason typed after moving to "Dismiss" (Merge chosen
            # already, which asks nothing) lost its first word, its space choosing it.
            if screen.text_for(highlighted) is not None:
                self.action_toggle_button()
                field = self._handed
            else:
                screen.text_for(self.choice)  # as it was: the choice unchanged
        elif field is not None:
            self._handed = field
            self._hand_over(field)
        return field is not None and await pass_on(field, event)

    def _hand_over(self, field: Input) -> None:
        """Focus to `field` now (Widget.focus() would wait its turn); what is typed into it
        before its focus arrives is kept, not selected for the next key to replace."""
        if isinstance(field, FieldInput):
            field.keep_text_on_focus()
            field.choices = self
            field._back = None  # its keys are its own again (else each passes them back)
        self.screen.set_focus(field)


class ShownInput(Input):
    """A text field that, once left, shows its value from its start: Input keeps its view
    where the cursor was, after the last character typed, so a value wider than the field
    read as its tail ("PS-4411" for the ticket OPS-4411, a root cause from its middle). Not
    when the terminal itself lost the focus: the cursor stays where the typing goes on.
    A value wider than the field, left, shows its start and its end with `…` between: at
    80x24 the reason 'Performance degradation ...: web/p99-latency = 2400 ms > 2000 ms,'
    ended at the field's edge, what came last out of sight and nothing saying so."""

    def on_focus(self) -> None:
        self.call_next(self._fit)  # once Input's own handler has it focused

    def on_blur(self) -> None:
        if self.app.app_focus:
            self.cursor_position = 0
        self.call_next(self._fit)

    def _fit(self) -> None:
        """Its scroll room as it is shown now, whole or cut: a value filled in while left
        kept the cut's, and End in it left the cursor and the end out of sight."""
        self.virtual_size = Size(self.content_width, 1)

    def _watch_selection(self, selection: Selection) -> None:
        """Input scrolls to the cursor; left, the field is shown from its start: a reason
        the close offered, selected whole, read '  fy system stability” passed…'."""
        super()._watch_selection(selection)
        if not self.has_focus:
            self.scroll_to(x=0, animate=False, force=True)

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        return Text(self.as_left(self.value), no_wrap=True, overflow="ignore", end="")

    def as_left(self, text: str) -> str:
        """`text` as the field shows it: focused, whole (it scrolls to the cursor); left and
        wider than the field, its start, `…` and its end."""
        room = self.scrollable_content_region.width
        if self.has_focus or cell_len(text) <= room or room < 8:
            return text
        return middle_cut(text, room)


class FieldInput(ShownInput):
    """A text field that acts on its keys in the order they were typed: its editing keys
    (Backspace, Ctrl+U ...) at once rather than as late bindings; Tab and Shift+Tab (and
    Enter, with `enter_moves`) move to the next field at once, and keys typed before focus
    gets there land in that field, not in this one."""

    def __init__(self, *args, enter_moves: bool = True, lines: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.enter_moves = enter_moves
        self.lines = lines  # a paste's line breaks are kept (else each is a space)
        self._handed: Input | None = None
        self._select_after: bool | None = None  # select_on_focus, back after the next focus
        self._tab_is_here = False  # handed the focus by a choice: the next Tab means "here"
        # The choice that handed the focus here: ↑ and ↓ go back to it and move there (its
        # hint says "↑ ↓ Space choose"; ↑ did nothing here, the Space after it a space).
        self.choices: ChoiceThenText | None = None
        self._back: ChoiceThenText | None = None  # gone back: keys typed ahead follow

    def keep_text_on_focus(self) -> None:
        """The next focus keeps the text (keys typed ahead of it are in it already),
        rather than selecting it all for the next key to replace; the focus came from a
        choice, so a Tab typed next, out of a form's habit, stays in this field."""
        self._tab_is_here = True
        self._hold_selection()

    def focus_on_its_way(self) -> None:
        """The focus was moved here and keys may arrive before its event does: select now
        what that event would (typing replaces a filled-in value), and keep the event
        from selecting again what was typed ahead for the next key to replace."""
        if self.select_on_focus:
            self.selection = Selection(0, len(self.value))
            self._show_start()
        self._hold_selection()

    def prefill(self, text: str, *, selected: bool = False) -> None:
        """`text` in the field, shown from its start (an Input shows the end of a value
        wider than itself: a long pre-filled reason read from its middle); `selected`:
        the next key typed replaces it."""
        self.value = text
        self.selection = Selection(len(text), 0) if selected else Selection(0, 0)

    def _show_start(self) -> None:
        """A value selected whole on focus is shown from its start (the cursor at its
        first character, not after its last): one wider than the field reads from its
        first word, not as its tail."""
        if self.value and self.selection == Selection(0, len(self.value)):
            self.selection = Selection(len(self.value), 0)

    def _hold_selection(self) -> None:
        if self._select_after is None:
            self._select_after = self.select_on_focus
        self.select_on_focus = False

    def on_focus(self) -> None:
        # Called before Input's own focus handler (Textual: subclass first), which
        # selects; the setting comes back once every handler of this focus has run.
        self._handed = self._back = None
        self.call_next(self._show_start)  # after Input's own handler has selected
        if self._select_after is not None:
            select, self._select_after = self._select_after, None
            self.call_next(setattr, self, "select_on_focus", select)

    def on_blur(self) -> None:
        self._tab_is_here = False

    def _on_paste(self, event: events.Paste) -> None:
        """All of a pasted text, never its first line alone (field_text.py)."""
        text = pasted(event.text, self.lines)
        if text:
            if self.selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *self.selection)
        event.stop()
        event.prevent_default()  # Input's own handler would paste its first line again

    @property
    def _value(self) -> Text:
        if self.password:  # dots, as Input shows them
            return super()._value
        return Text(self.as_left(shown(self.value)), no_wrap=True, overflow="ignore", end="")

    def _position_to_cell(self, position: int) -> int:
        return cell_len(expand_tabs_inline(shown(self.value[:position]), 4))

    def _cell_offset_to_index(self, offset: int) -> int:
        offset += self.scroll_offset.x
        cell = 0
        for index, char in enumerate(shown(self.value)):
            width = get_character_cell_size(char)
            if cell <= offset < cell + width:
                return index
            cell += width
        return max(0, min(offset, len(self.value)))

    async def _on_key(self, event: events.Key) -> None:
        if not await self.take(event):
            await super()._on_key(event)

    async def take(self, event: events.Key) -> bool:
        """Handle a moving or editing key, or pass a key on to where focus went; False
        for a key this field leaves to Textual (printable text, the screen's keys)."""
        tab_is_here, self._tab_is_here = self._tab_is_here, False
        if tab_is_here and event.key == "tab" and not self.value:
            taken = True  # Space, Tab, reason: the reason lands here, not in the next field
        elif self._handed is not None:
            taken = await pass_on(self._handed, event)
        elif self._back is not None:
            taken = await self._back.take(event)
        elif event.key in ("up", "down") and self.choices is not None:
            self._back = self.choices
            self.choices._handed = None  # as its focus will say: keys are its own again
            self.screen.set_focus(self.choices)
            self.choices.step(event.key)
            taken = True
        elif event.key in ("tab", "shift+tab") or (event.key == "enter" and self.enter_moves):
            await self._move(event.key)
            taken = True
        elif binding := self._binding_for(event.key):
            await self.run_action(binding.action)
            taken = True
        else:
            taken = False
        if taken:
            event.stop()
            event.prevent_default()
        return taken

    def _binding_for(self, key: str) -> Binding | None:
        try:
            return self._bindings.get_bindings_for_key(key)[0]
        except NoBinding:
            return None

    async def action_submit(self) -> None:
        """Input's; the keys typed behind it wait until its screen has acted on what it
        submitted, a screen it opens getting them (key_turns.py). Seen: the reason's Enter
        and a Space typed in one burst: the Space went into the reason, before the picker
        that Enter opens was there, and the picker never had it."""
        hold_keys(self)
        await super().action_submit()
        keys_go_behind(self)

    async def _move(self, key: str) -> None:
        if key == "enter":
            await self.action_submit()
        # From this field, whatever has the focus by now: Widget.focus() is deferred.
        chain = self.screen.focus_chain
        step = -1 if key == "shift+tab" else 1
        after = chain[(chain.index(self) + step) % len(chain)] if self in chain else None
        if after is not None:
            self.screen.set_focus(after)
        self._handed = after if isinstance(after, Input) and after is not self else None
        if isinstance(after, FieldInput):
            after._handed = None  # it has the focus now: the keys it gets are its own
            after.focus_on_its_way()
