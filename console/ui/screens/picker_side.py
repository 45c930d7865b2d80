"""The picker's side pane (the strategy and its parameters): it keeps the field with the
cursor in view, clear of the line that says more runs past its foot, and says so."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Label

from console.ui.key_turns import hold_keys, keys_go


class SidePane(VerticalScroll):
    """The picker's side pane, which keeps the field with the cursor in view as its height
    changes. Seen in tmux at 80x24: a refused parameter's error, two lines under the pane,
    took a row from it once the field had been scrolled to, and left the field under the
    pane's "more below" line, its value and cursor unseen until Enter again."""

    def on_resize(self) -> None:
        focused = self.screen.focused
        if focused is not None and self in focused.ancestors:
            self.call_after_refresh(focused.scroll_visible, animate=False)

    def show_focused(self, field: Widget) -> None:
        """`field`, just focused, in view at once, then clear of the "more below" line.
        Not Textual's own scroll of a focused widget, which centres it, animated, after a
        refresh: seen in tmux at 80x24, Tab then 50 Backspaces and `true` typed in one go
        into `check`, the pane went on scrolling under the keys, and its new value was
        drawn under the `running:` label below, `check` left showing it empty. The keys
        typed behind the move wait until it is placed (key_turns.py)."""
        hold_keys(self)  # the keys typed behind the move wait until it is placed
        field.scroll_visible(animate=False, immediate=True)
        self.call_after_refresh(self._placed, field)

    def _placed(self, field: Widget) -> None:
        try:
            self.clear_of_more(field)
        finally:  # once drawn where it is now
            self.call_after_refresh(keys_go, self.screen)

    def clear_of_more(self, field: Widget) -> None:
        """Seen at 80x24: a parameter focused by Tab was scrolled into view at the pane's
        foot, under the docked "more below" line, and typed into unseen. Scroll it clear,
        never past the pane's top. Space and Tab typed at once in tmux: the line shown
        but not yet placed (its region empty, at row 0) scrolled the strategy list Tab
        had just focused out of the pane."""
        more = self.query_one("#side-more", Label)
        if not (more.display and more.region and field.region):
            return
        hidden = min(field.region.bottom - more.region.y, field.region.y - self.region.y)
        if hidden > 0:
            self.scroll_relative(y=hidden, animate=False)

    def more_below(self) -> None:
        """The pane draws no scrollbar: what runs past its foot is said there, until the
        pane is scrolled to its end."""
        more = self.query_one("#side-more", Label)
        below = self.scroll_y < self.max_scroll_y
        if more.display != below:
            more.display = below
