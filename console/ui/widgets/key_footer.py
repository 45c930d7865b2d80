"""The footer: the keys that matter most on this screen, whole, as many as fit; F1 lists
every key. Nothing is cut mid-word at 80 columns."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not re-exported by textual.widgets

# Always shown, last: how to leave, and where every other key is listed.
PINNED = ("quit", "help")
# A key shown in the footer takes its label plus padding: " key " + "description ".
PADDING = 3
PALETTE_WIDTH = 13  # "▏^p palette " docked on the right, when there is room for it
WIDE = 100


def key_width(shown: str, description: str) -> int:
    return cell_len(shown) + cell_len(description) + PADDING


class KeyFooter(Footer):
    """A Footer that shows the screen's keys in its `FOOTER` order (binding ids, most
    important first), only those that fit whole, and always F1 for the rest."""

    def on_resize(self) -> None:
        if self.is_attached:
            self.call_after_refresh(self.recompose)

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
        return key_width(self.app.get_key_display(binding), binding.description)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        for binding, enabled, tooltip in self.chosen(width):
            key = FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            )
            # Made as compact as the footer, which binds it so: its class is not set and
            # unset again as it mounts, two restyles of every key (bench/RESULTS.md).
            key.set_reactive(FooterKey.compact, self.compact)
            key.set_class(self.compact, "-compact", update=False)
            yield key.data_bind(compact=Footer.compact)
        if width >= WIDE and self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            try:
                _node, binding, enabled, tooltip = self.screen.active_bindings[
                    self.app.COMMAND_PALETTE_BINDING
                ]
            except KeyError:
                return
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )
