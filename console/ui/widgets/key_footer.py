"""The footer: the keys that matter most on this screen, whole, as many as fit; F1 lists
every key. Nothing is cut mid-word at 80 columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not re-exported by textual.widgets

if TYPE_CHECKING:
    from textual.screen import Screen

# Always shown, last: how to leave, and where every other key is listed.
PINNED = ("quit", "help")
# A key shown in the footer takes its label plus padding: " key " + "description ".
PADDING = 3
PALETTE_WIDTH = 13  # "▏^p palette " docked on the right, when there is room for it
WIDE = 100

# What one key of the footer shows: key, as shown, description, action, enabled, tooltip,
# CSS classes.
Shown = tuple[str, str, str, str, bool, str, str]


def key_width(shown: str, description: str) -> int:
    return cell_len(shown) + cell_len(description) + PADDING


class KeyFooter(Footer):
    """A Footer that shows the screen's keys in its `FOOTER` order (binding ids, most
    important first), only those that fit whole, and always F1 for the rest.

    Recomposed once for all the changes asked before the next refresh, and only if what
    it shows changes: Textual's footer recomposes at every change of the bindings (the
    focus, the screen stack, a binding's reactive), a dozen times in a 200-host step, each
    time styling every key anew (~200 ms of the UI thread's CPU a run: bench/RESULTS.md)."""

    _shown: tuple[Shown, ...] | None = None  # what the last compose made
    _recompose_due = False

    def on_resize(self) -> None:
        if self.is_attached:
            self._recompose_soon()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._recompose_soon()

    def _recompose_soon(self) -> None:
        if not self._recompose_due:
            self._recompose_due = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._recompose_due = False
        if self.is_attached and self._keys() != self._shown:
            await self.recompose()

    def chosen(self, width: int) -> list[tuple[Binding, bool, str]]:
        """The bindings to show, in the screen's order, fitting `width` cells; quit and
        F1 always, last."""
        shown: dict[str, tuple[Binding, bool, str]] = {}
        for _key, binding, enabled, tooltip in self.screen.active_bindings.values():
            name = binding.id or binding.action
            if binding.show and name not in shown:
                shown[name] = (binding, enabled, tooltip)
        order: list[str] = list(getattr(self.screen, "FOOTER", ()))
        ranked = sorted(
            (k for k in shown if k not in PINNED),
            key=lambda k: order.index(k) if k in order else len(order),
        )
        pinned = [shown[k] for k in PINNED if k in shown]
        room = width - (PALETTE_WIDTH if width >= WIDE else 0)
        room -= sum(self._width(b) for b, *_ in pinned)
        picked = []
        for name in ranked:
            need = self._width(shown[name][0])
            if need <= room:
                picked.append(shown[name])
                room -= need
        return [*picked, *pinned]

    def _width(self, binding: Binding) -> int:
        return key_width(self.app.get_key_display(binding), self._description(binding))

    def _description(self, binding: Binding) -> str:
        """The binding's description, or the screen's word for it now (`key_description`)."""
        say = getattr(self.screen, "key_description", None)
        return str(say(binding)) if say else binding.description

    def _keys(self) -> tuple[Shown, ...]:
        """What each key of the footer shows, in order."""
        if not self._bindings_ready:
            return ()
        width = self.size.width or self.app.size.width
        display = self.app.get_key_display
        keys: list[Shown] = [
            (b.key, display(b), self._description(b), b.action, enabled, tooltip, "")
            for b, enabled, tooltip in self.chosen(width)
        ]
        if width >= WIDE and self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                _node, b, enabled, _tooltip = palette
                tooltip = b.tooltip or b.description
                keys.append(
                    (
                        b.key,
                        display(b),
                        b.description,
                        b.action,
                        enabled,
                        tooltip,
                        "-command-palette",
                    )
                )
        return tuple(keys)

    def compose(self) -> ComposeResult:
        self._shown = self._keys()
        for key, shown, description, action, enabled, tooltip, classes in self._shown:
            footer_key = FooterKey(
                key,
                shown,
                description,
                action,
                classes=classes,
                disabled=not enabled,
                tooltip=tooltip,
            )
            if classes:  # the palette's key keeps its own style, as Textual's footer makes it
                yield footer_key
                continue
            # Made as compact as the footer, which binds it so: its class is not set and
            # unset again as it mounts, two restyles of every key (bench/RESULTS.md).
            footer_key.set_reactive(FooterKey.compact, self.compact)
            footer_key.set_class(self.compact, "-compact", update=False)
            if description and not self.compact:
                # The width its content takes (" key " "description "): laid out without
                # rendering it first to measure it, ~a fifth of the footer's first layout
                # and render (bench/RESULTS.md).
                footer_key.styles.width = key_width(shown, description)
            yield footer_key.data_bind(compact=Footer.compact)
