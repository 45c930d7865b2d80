"""A tree of systems and hosts with check marks; Space toggles, Enter asks to go on."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree

from console.model.inventory import Inventory


@dataclass
class Toggled(Message):
    """A system or host was toggled; `kind` is "system" or "host"."""

    kind: str
    name: str


class Continue(Message):
    """The user pressed Enter on the tree: go on with this selection."""


class HostTree(Tree[tuple[str, str]]):
    """Systems and their hosts, filtered by name or tag, each with a check mark."""

    DEFAULT_CSS = """
    HostTree { padding: 0 1; }
    """

    BINDINGS = [
        Binding("space", "toggle_node", "Toggle", id="picker.toggle"),
        Binding("enter", "continue", "Continue", id="picker.continue"),
    ]

    def __init__(self, inventory: Inventory, **kwargs):
        super().__init__("Systems", **kwargs)
        self.inventory = inventory
        self.selected: set[str] = set()
        self.filter = ""
        self.show_root = False
        self.guide_depth = 3

    def on_mount(self) -> None:
        self.rebuild()

    def _matches(self, name: str, tags: list[str]) -> bool:
        needle = self.filter.lower()
        return not needle or needle in name.lower() or any(needle in t.lower() for t in tags)

    def rebuild(self) -> None:
        self.clear()
        for system in self.inventory.systems:
            whole = self._matches(system.name, system.tags)
            hosts = [h for h in system.hosts if whole or self._matches(h.name, h.tags)]
            if not hosts:
                continue
            node = self.root.add(self._system_label(system.name), data=("system", system.name))
            for host in hosts:
                node.add_leaf(self._host_label(host.name), data=("host", host.name))
            node.expand()
        self.root.expand()
        self.cursor_line = 0

    def _system_label(self, name: str) -> Text:
        system = self.inventory.system(name)
        names = {h.name for h in system.hosts}
        chosen = len(names & self.selected)
        mark = "☑" if chosen == len(names) else ("◩" if chosen else "☐")
        return Text.assemble(f"{mark} ", (name, "bold"), f"  {chosen}/{len(names)} hosts")

    def _host_label(self, name: str) -> Text:
        mark = "☑" if name in self.selected else "☐"
        tags = ", ".join(self.inventory.host(name).tags)
        return Text.assemble(f"{mark} {name}  ", (tags, "dim"))

    def relabel(self) -> None:
        for node in self.root.children:
            if node.data:
                node.set_label(self._system_label(node.data[1]))
            for leaf in node.children:
                if leaf.data:
                    leaf.set_label(self._host_label(leaf.data[1]))

    def toggle(self, kind: str, name: str) -> None:
        if kind == "system":
            names = {h.name for h in self.inventory.system(name).hosts}
            self.selected = (
                self.selected - names if names <= self.selected else self.selected | names
            )
        elif name in self.selected:
            self.selected.discard(name)
        else:
            self.selected.add(name)
        self.relabel()
        self.post_message(Toggled(kind, name))

    def action_toggle_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.data:
            self.toggle(*node.data)

    def action_continue(self) -> None:
        self.post_message(Continue())
