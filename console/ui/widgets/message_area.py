"""A message to edit before it is sent, wrapped so all of it reads from its start (a
one-line field at 80 columns showed only its end); Enter sends it, as in a field."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea


class MessageArea(TextArea):
    """The message as one paragraph, wrapped; Enter posts `Submitted` (no new line)."""

    @dataclass
    class Submitted(Message):
        area: MessageArea
        value: str

    def __init__(self, text: str, *, id: str | None = None):
        super().__init__(text, id=id, soft_wrap=True, tab_behavior="focus")

    def on_mount(self) -> None:
        # The cursor at its end, for what is added, and its start in view, to read it.
        self.move_cursor(self.document.end)
        self.call_after_refresh(self.scroll_home, animate=False, immediate=True)

    @property
    def value(self) -> str:
        """The message as it would be sent (a pasted line break is a space)."""
        return " ".join(self.text.splitlines())

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self, self.value))
            return
        await super()._on_key(event)
