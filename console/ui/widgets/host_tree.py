"""A tree of systems and hosts with check marks and reachability; Space toggles,
Enter asks to go on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from console.engine.reach import ReachCheck
from console.model.inventory import Inventory
from console.model.status import FailureClass
from console.ui.key_turns import hold_keys
from console.ui.palette import themed
from console.ui.widgets.list_keys import list_bindings
from console.ui.widgets.one_line import distinct_cuts, middle_cut
from console.ui.widgets.reach_text import dialled_not


@dataclass
class Toggled(Message):
    """A system or host was toggled; `kind` is "system" or "host"."""

    kind: str
    name: str


class Continue(Message):
    """The user pressed Enter on the tree: go on with this selection."""


@dataclass
class MoveFocus(Message):
    """Tab (or Shift+Tab) typed on the tree, for the screen to act on after the toggles
    typed before it: the strategy list a toggle brings must exist before Tab reaches it."""

    forward: bool


# Where the tree is narrow (35 columns at 80x24): "✘ authentication f" was cut mid-word.
SHORT = {
    FailureClass.HOSTKEY_UNKNOWN: "key unknown",
    FailureClass.HOSTKEY_MISMATCH: "key mismatch",
    FailureClass.AUTH: "auth failed",
    FailureClass.REFUSED: "refused",
    FailureClass.CONNECTION_LOST: "conn. lost",
}


# The cells a name keeps, however narrow the tree: its head and tail about a `…`.
NAME_MIN = 12


def reach_label(reach: ReachCheck | None, host: str, short: bool = False) -> Text:
    """`✔ up`, `… checking`, `? host key unknown` or `✘ <failure>` (`short`: in fewer
    words, the side pane says them whole); empty if unchecked."""
    if reach is None:
        return Text()
    if host in reach.checking:
        return Text("… checking", style="dim")
    answer = reach.results.get(host)
    if answer is None:
        return Text()
    failure = answer.failure
    if failure is None:
        return Text("✔ up", style=themed("$success"))
    said = SHORT.get(failure, failure.value) if short else failure.value
    said = "not dialled" if dialled_not(answer) else said  # this jump host's open files
    if failure is FailureClass.HOSTKEY_UNKNOWN:
        return Text(f"? {said}", style=themed("bold $warning"))
    return Text(f"✘ {said}", style=themed("bold $error"))


def fit_tags(tags: list[str], room: int | None) -> str:
    """The tags that fit in `room` cells, each whole, then `+N` for those left out (with
    none whole: `+N tags`, or nothing); `room` None: all of them."""
    if room is None:
        return ", ".join(tags)
    for shown in range(len(tags), -1, -1):
        text, left = ", ".join(tags[:shown]), len(tags) - shown
        if left:
            text = f"{text} +{left}" if shown else f"+{left} tag{'s' if left > 1 else ''}"
        if len(text) <= room:
            return text
    return ""


class HostTree(Tree[tuple[str, str]]):
    """Systems and their hosts, filtered by name or tag, each with a check mark and,
    once checked, whether it answers over SSH."""

    DEFAULT_CSS = """
    HostTree { padding: 0 1; }
    """

    BINDINGS = [
        Binding("space", "toggle_node", "Toggle", id="picker.toggle"),
        Binding("enter", "continue", "Continue", id="picker.continue"),
        # Every list's keys, their ids: a [keymap] moves them here too.
        *list_bindings(
            up="cursor_up",
            down="cursor_down",
            first="scroll_home",
            last="scroll_end",
            page_up="page_up",
            page_down="page_down",
        ),
    ]

    def __init__(self, inventory: Inventory, reach: ReachCheck | None = None, **kwargs):
        super().__init__("Systems", **kwargs)
        self.inventory = inventory
        self.reach = reach
        self._host_nodes: dict[str, TreeNode] = {}
        self.selected: set[str] = set()
        self.filter = ""
        self.show_root = False
        self.guide_depth = 3
        self._cuts: dict[int, dict[str, str]] = {}  # every host's name cut at a width

    def on_mount(self) -> None:
        self.rebuild()

    def on_resize(self) -> None:
        """The tags fitted again to the new width."""
        self.relabel()

    def _host_room(self) -> int | None:
        """Cells a host's label has before the tree's edge (None: not laid out yet)."""
        width = self.scrollable_content_region.width
        return width - self.guide_depth if width else None

    def _matches(self, name: str, tags: list[str]) -> bool:
        needle = self.filter.lower()
        return not needle or needle in name.lower() or any(needle in t.lower() for t in tags)

    def shown(self, system: str) -> set[str]:
        """The hosts of `system` the filter leaves on screen (all of them unfiltered, or
        when the filter matches the system itself)."""
        found = self.inventory.system(system)
        whole = self._matches(found.name, found.tags)
        return {h.name for h in found.hosts if whole or self._matches(h.name, h.tags)}

    def rebuild(self) -> None:
        self.clear()
        self._host_nodes.clear()
        for system in self.inventory.systems:
            shown = self.shown(system.name)
            hosts = [h for h in system.hosts if h.name in shown]
            if not hosts:
                continue
            node = self.root.add(self._system_label(system.name), data=("system", system.name))
            for host in hosts:
                leaf = node.add_leaf(self._host_label(host.name), data=("host", host.name))
                self._host_nodes[host.name] = leaf
            node.expand()
        self.root.expand()
        self.cursor_line = 0

    def _system_label(self, name: str) -> Text:
        system = self.inventory.system(name)
        names = {h.name for h in system.hosts}
        chosen = len(names & self.selected)
        mark = "☑" if chosen == len(names) else ("◩" if chosen else "☐")
        shown = len(self.shown(name))
        results = self.reach.results if self.reach else {}
        down = sum(1 for h in names if h in results and not results[h].ok)
        # Whole in the tree's width (35 columns at 80x24): the words go before the numbers
        # ("0/120 hosts  ✘ 10 not u" was cut mid-word on a fleet of 200); a name too long
        # for them is cut in its middle ("payments-ledger-reconciliati" hid the counts).
        room = self._host_room()
        variants = (
            (" hosts", " shown", " not up"),
            ("", " shown", " not up"),
            ("", " shown", ""),
            ("", "", ""),
        )
        for cut in (False, True):
            for hosts, filtered, failing in variants:
                counts = Text(f"  {chosen}/{len(names)}{hosts}")
                if shown < len(names):  # Space acts on these: say how many the filter left
                    counts.append(f", {shown}{filtered}", style=themed("bold $warning"))
                if down:
                    counts.append(f"  ✘ {down}{failing}", style=themed("bold $error"))
                if room is None:
                    return Text.assemble(f"{mark} ", (name, "bold"), counts)
                left = room + 1 - 2 - counts.cell_len  # a system's guide is 2 wide, not 3
                if cell_len(name) <= left or (cut and left >= NAME_MIN):
                    return Text.assemble(f"{mark} ", (middle_cut(name, left), "bold"), counts)
        return Text.assemble(f"{mark} ", (middle_cut(name, NAME_MIN), "bold"), counts)

    def _host_label(self, name: str) -> Text:
        mark = "☑" if name in self.selected else "☐"
        room = self._host_room()
        reach = reach_label(self.reach, name)
        if room is not None and len(f"{mark} {name}  ") + reach.cell_len > room:
            reach = reach_label(self.reach, name, short=True)
        if room is not None and cell_len(f"{mark} {name}  ") + reach.cell_len > room:
            # Cut in the middle, its answer kept: 40-character names cut at the edge read
            # alike ("payments-ledger-reconciliat") and hid whether each was up.
            shown = self._cut(name, max(NAME_MIN, room - reach.cell_len - 4))
        else:
            shown = name
        label = Text.assemble(f"{mark} {shown}  ", reach, "  " if reach else "")
        tags = fit_tags(
            self.inventory.host(name).tags, None if room is None else room - label.cell_len
        )
        return Text.assemble(label, (tags, "dim"))

    def _cut(self, name: str, cells: int) -> str:
        """`name` in `cells` cells, cut apart from every other host's: two hosts that
        differ mid-name never read alike where they are picked."""
        cuts = self._cuts.get(cells)
        if cuts is None:
            names = {h.name for s in self.inventory.systems for h in s.hosts}
            cuts = self._cuts[cells] = distinct_cuts(names, cells)
        return cuts[name]

    def relabel_host(self, name: str) -> None:
        """Redraw one host and its system, as its reachability comes in."""
        leaf = self._host_nodes.get(name)
        if leaf is None:
            return
        leaf.set_label(self._host_label(name))
        if leaf.parent is not None and leaf.parent.data:
            leaf.parent.set_label(self._system_label(leaf.parent.data[1]))

    def relabel(self) -> None:
        for node in self.root.children:
            if node.data:
                node.set_label(self._system_label(node.data[1]))
            for leaf in node.children:
                if leaf.data:
                    leaf.set_label(self._host_label(leaf.data[1]))

    def toggle(self, kind: str, name: str) -> None:
        if kind == "system":  # the hosts shown: a filter by tag picks those of a system
            names = self.shown(name)
            self.selected = (
                self.selected - names if names <= self.selected else self.selected | names
            )
        elif name in self.selected:
            self.selected.discard(name)
        else:
            self.selected.add(name)
        self.relabel()
        self._ask_screen(Toggled(kind, name))

    def _ask_screen(self, message: Toggled | MoveFocus) -> None:
        """Post `message`, which the screen acts on (the strategies a toggle brings, the
        focus moved to them): the keys after it wait until it has (key_turns.py)."""
        hold_keys(self)
        self.post_message(message)

    def on_key(self, event: events.Key) -> None:
        """Space, Enter, Tab and the cursor's keys act here, in the order typed: as
        bindings they would run only once the key had bubbled back to the app, after a Tab
        typed behind them had moved the focus (the Space then toggled nothing, or went into
        the filter). Tab goes to the screen behind the toggle's message, so the strategies
        it brings exist."""
        actions: dict[str, Callable[[], object]] = {
            "tab": lambda: self._ask_screen(MoveFocus(True)),
            "shift+tab": lambda: self._ask_screen(MoveFocus(False)),
        }
        # Its bindings' keys as the [keymap] sets them (`list.last` = "ctrl+e" moves End
        # here too), the cursor's among them: a Space typed behind them toggles where they
        # led (as bindings, Down x4 Space toggled the node the cursor had left).
        keymap: dict[str, str] = getattr(self.app, "keymap", {})
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding) and binding.id
            for key in keymap.get(binding.id, binding.key).split(","):
                actions.setdefault(key.strip(), getattr(self, f"action_{binding.action}"))
        if event.key in actions:
            event.stop()
            event.prevent_default()
            actions[event.key]()

    def action_toggle_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.data:
            self.toggle(*node.data)

    def action_continue(self) -> None:
        self.post_message(Continue())
