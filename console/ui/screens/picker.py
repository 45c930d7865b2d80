"""System picker: systems and hosts to roll back, whether each answers over SSH, and the
strategy with its parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Label, RadioSet, Static
from textual.worker import Worker, WorkerState

from console.engine.choice import check_choice
from console.engine.errors import ParameterRefused, ProcedureError, StaleLock
from console.journal.files import JournalError
from console.journal.redact import MASK
from console.ui.key_turns import keys_go
from console.ui.lifecycle import Declaration
from console.ui.messages import WatchChanged
from console.ui.screens.base import IncidentScreen
from console.ui.screens.picker_hint import keys_hint
from console.ui.screens.picker_params import ParamsPane
from console.ui.screens.picker_reach import ReachPane
from console.ui.screens.picker_side import SidePane
from console.ui.widgets.host_tree import Continue, HostTree, MoveFocus, Toggled
from console.ui.widgets.key_footer import KeyFooter
from console.ui.widgets.plain import plain
from console.ui.widgets.reach_text import NAMED
from console.ui.widgets.toggles import ChoiceThenEnter, MarkedRadioButton
from console.ui.widgets.typeahead import FieldInput
from console.ui.widgets.watch_line import WatchLine

if TYPE_CHECKING:
    from console.ui.app import RollbackApp
    from console.ui.incident_view import IncidentView


class PickerScreen(Screen):
    """Pick the affected systems or single hosts, then the strategy; Enter goes on."""

    # Keys typed before it was drawn are its own (systems picked as it opens): key_turns.py.
    TAKES_TYPE_AHEAD = True

    # What the footer shows first at 80 columns; F1 lists every key.
    FOOTER = (
        "picker.toggle",
        "picker.continue",
        "picker.hostkey",
        "watch.decide",
        "picker.back",
        "picker.filter",
        "picker.recheck",
    )

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("escape", "back", "Back", id="picker.back"),
        Binding("ctrl+s", "go_on", "Continue", id="picker.go", show=False),
        Binding("ctrl+f", "focus_filter", "Filter", id="picker.filter"),
        Binding("ctrl+r", "recheck", "Re-check hosts", id="picker.recheck"),
        Binding("k", "accept_key", "Accept host key…", id="picker.hostkey"),
    ]

    @property
    def REFUSES_TYPE_AHEAD(self) -> frozenset[str]:
        """Its keys that go on (Enter, ^s, as [keymap] sets them), dropped if typed before
        it was drawn: going on declares the incident. Seen in tmux: the reason's Enter, then
        Space Enter in one burst, went on from a picker never seen."""
        moved = ",".join(self.app.keymap.get(i, "") for i in ("picker.continue", "picker.go"))
        return frozenset({"enter", "ctrl+s", *(k.strip() for k in moved.split(",") if k)})

    def compose(self) -> ComposeResult:
        yield Static(
            " Pick the affected systems and the strategy   step 2 of 2", classes="screen-title"
        )
        yield WatchLine()
        # Enter (or Tab) moves to the systems at once: a Space typed right behind it
        # toggles there (it went into the filter, seen at 80x24 in tmux).
        yield FieldInput(
            placeholder="Filter by name or tag, e.g. web, eu-west, canary",
            id="filter",
            compact=True,
        )
        with Horizontal(id="picker-body"):
            yield HostTree(self.app.settings.inventory, self.app.reach, id="tree")
            with SidePane(id="picker-side", can_focus=False):
                yield Label("", id="selection")
                yield Static("", id="reach")
                yield Label("Strategy", classes="section-title")
                yield Vertical(id="strategy-box")
                yield Static("", id="strategy-help", classes="muted")
                yield Vertical(id="params")
                # Docked: it stays at the pane's foot while the pane scrolls.
                yield Label("▼ more below: Tab goes on to it", id="side-more")
        # Under the pane, not in it: seen whatever the pane's scroll (hidden when empty).
        yield Label("", id="picker-error", classes="error-line")
        # Where the keys go now, and what they do there: follows the focus.
        yield Static(id="picker-hint", classes="hint-line")
        yield KeyFooter()

    _applies: tuple[str, ...] = ("-",)

    def __init__(
        self,
        preselect: list[str] | None = None,
        declaration: Declaration | None = None,
        chosen: tuple[str | None, dict[str, str]] = (None, {}),
    ):
        super().__init__()
        self.preselect = preselect or []
        # The strategy and values chosen last (b on the checklist): shown again as they
        # were, a value the hosts refused (target=2.9) there to be fixed, not the defaults.
        self.chosen = chosen
        # The trigger screen's choice, recorded with the systems when this screen goes on,
        # with the host keys accepted meanwhile (app.lifecycle.unrecorded_keys).
        self.declaration = declaration
        self.take_over: str | None = None  # why a stale lock may go (before the declaration)
        self.params = ParamsPane(self)
        self.reach_pane = ReachPane(self)

    async def on_mount(self) -> None:
        tree = self.query_one(HostTree)
        inventory = self.app.settings.inventory
        tree.selected |= {h.name for s in self.preselect for h in inventory.system(s).hosts}
        tree.relabel()
        tree.focus()
        side = self.query_one(SidePane)
        for name in ("scroll_y", "virtual_size"):
            self.watch(side, name, side.more_below, init=False)
        await self.update_side()
        self.action_recheck()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of this screen (trusting a host key) that stopped on an error it did
        not expect: said, not kept in silence."""
        if event.state is WorkerState.ERROR and event.worker.node is self:
            self.app.worker_failed(event.worker)

    def on_screen_resume(self) -> None:
        self.reach_pane.listen()

    def on_unmount(self) -> None:
        self.reach_pane.stop_listening()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._say_keys(event.widget)

    def set_focus(
        self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False
    ) -> None:
        """Textual's, but a field of the side pane is scrolled to at once, clear of its
        "more below" line (SidePane)."""
        side = self.query_one(SidePane)
        if widget is None or side not in widget.ancestors:
            super().set_focus(widget, scroll_visible, from_app_focus)
            return
        super().set_focus(widget, False, from_app_focus)
        if scroll_visible:
            side.show_focused(widget)
        else:  # the caller scrolls it (refuse): clear of the line once it has
            self.call_after_refresh(side.clear_of_more, widget)

    # -- selection ---------------------------------------------------------------

    @property
    def host_tree(self) -> HostTree:
        return self.query_one(HostTree)

    def systems(self) -> list[str]:
        inventory = self.app.settings.inventory
        return [
            s.name for s in inventory.systems if {h.name for h in s.hosts} & self.host_tree.selected
        ]

    def strategy(self) -> str | None:
        radios = self.query(".strategies").results(RadioSet)
        button = next((r.pressed_button for r in radios), None)
        return button.name if button else None

    async def update_side(self) -> None:
        settings = self.app.settings
        systems = self.systems()
        count = len(self.host_tree.selected)
        text = (
            f"Selected: {count} host(s) in {', '.join(systems)}"
            if count
            else "Nothing selected yet: Space on a system or host."
        )
        self.query_one("#selection", Label).update(text)
        self.show_reach()
        applies = tuple(settings.strategies_for(systems))
        if applies != self._applies:
            self._applies = applies
            chosen = self.strategy()
            if chosen not in applies:
                last = self.chosen[0]
                chosen = last if last in applies else applies[0] if applies else None
            box = self.query_one("#strategy-box", Vertical)
            await box.remove_children()
            if applies:
                buttons = [MarkedRadioButton(n, value=n == chosen, name=n) for n in applies]
                await box.mount(ChoiceThenEnter(*buttons, classes="strategies"))
        await self.params.show()

    # -- reachability (ReachPane) -----------------------------------------------------

    def action_recheck(self, hosts: list[str] | None = None) -> None:
        """Ask every host in the inventory (or `hosts`) whether it answers over SSH, now."""
        self.reach_pane.recheck(hosts)

    def action_accept_key(self) -> None:
        """Trust the unknown key under the cursor, then check again whose key it is."""
        self.reach_pane.accept_key()

    def show_reach(self) -> None:
        self.reach_pane.show()

    def on_resize(self) -> None:
        """The cursor host's reason, folded again to the panel's new width; whether the
        pane runs past its foot now."""
        self.call_after_refresh(self.show_reach)
        self.call_after_refresh(self.query_one(SidePane).more_below)

    def on_tree_node_highlighted(self, event: HostTree.NodeHighlighted) -> None:
        self.show_reach()

    async def on_toggled(self, event: Toggled) -> None:
        try:
            self.refuse("")
            await self.update_side()
        finally:
            keys_go(self)  # the strategies that apply are there: a Tab held goes to them

    def _say_keys(self, focused: Widget) -> None:
        self.query_one("#picker-hint", Static).update(
            keys_hint(focused, self.app.key_label("picker.filter"))
        )

    async def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        try:
            await self.params.show()
            self.on_choice_then_enter_moved()
        finally:
            keys_go(self)  # its parameters are there: a Tab held goes to them

    def on_choice_then_enter_moved(self, event: ChoiceThenEnter.Moved | None = None) -> None:
        """Enter goes on from the chosen strategy, and chooses another: a second Enter,
        as the hint said, confirmed the checklist's first step (seen at 80x24)."""
        if isinstance(self.focused, ChoiceThenEnter):
            self._say_keys(self.focused)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.host_tree.filter = event.value.strip()  # a stray space hides nothing
            self.host_tree.rebuild()
        elif event.input.has_class("param"):
            self.params.edited(event.input)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.host_tree.focus()
        else:
            self.action_go_on()

    def on_continue(self, event: Continue) -> None:
        self.action_go_on()

    def on_move_focus(self, event: MoveFocus) -> None:
        self.focus_next() if event.forward else self.focus_previous()
        keys_go(self)  # the keys typed behind Tab go where it went

    def on_choice_then_enter_chosen(self, event: ChoiceThenEnter.Chosen) -> None:
        self.action_go_on()

    def action_focus_filter(self) -> None:
        self.set_focus(field := self.query_one("#filter", FieldInput))  # at once: a key
        field.focus_on_its_way()  # typed right behind Ctrl+F is the filter's (it read "pi")

    def _take_over(self, reason: str) -> None:
        """Go on again, taking over the stale lock with `reason` (journalled)."""
        if self.declaration is not None:
            self.take_over = reason
        elif self.app.conductor is not None:
            self.app.conductor.lock_takeover_reason = reason
        self.action_go_on()

    def refuse(self, why: str | Text, param: str | None = None) -> None:
        """Say why the screen does not go on (empty: nothing to say), and put the cursor
        in the parameter at fault, if one is."""
        self.params.say(why, param)
        field = next((i for i in self.query(".param").results(Input) if i.name == param), None)
        if field is not None:  # scrolled to once the error line has taken its room
            field.focus(scroll_visible=False)
            self.call_after_refresh(field.scroll_visible, animate=False)

    def action_go_on(self) -> None:
        systems = self.systems()
        if not systems:
            self.refuse("✘ Select at least one system or host (Space toggles).")
            return
        strategy = self.strategy()
        if strategy is None:
            self.refuse(f"✘ {self.app.settings.why_no_strategy(systems, 'pick fewer')}.")
            return
        inventory, picked = self.app.settings.inventory, self.host_tree.selected
        whole = all({h.name for h in inventory.system(s).hosts} <= picked for s in systems)
        hosts = None if whole else inventory.hosts_in_order(picked)
        params = self.params.values()
        chosen = hosts or [h.name for s in systems for h in inventory.system(s).hosts]
        failing = self.app.reach.failing(chosen) if self.app.reach else {}
        app = self.app
        try:
            # A route ssh refuses is bad configuration, not a host down: refused before
            # anything is recorded, as run and exec refuse it.
            app.engine.refuse_unroutable(chosen)
            if self.declaration is not None:
                check_choice(app.settings, systems, strategy, params)
                # The locks are claimed before the incident is recorded: a refusal leaves
                # no incident behind.
                conductor = app.lifecycle.declare(self.declaration, systems, self.take_over)
                self.declaration = None  # recorded: going on again only picks
                keys, app.lifecycle.unrecorded_keys = app.lifecycle.unrecorded_keys, []
                for accepted in keys:
                    conductor.record_host_key(accepted)
            app.lifecycle.pick(systems, hosts, strategy, params, failing)
        except StaleLock as exc:
            self.refuse(plain(f"✘ {exc}"))  # its holder says who: their words, no markup
            self.app.offer_lock_takeover(exc, self._take_over)
            return
        except ProcedureError as exc:
            param = exc.param if isinstance(exc, ParameterRefused) else None
            self.refuse(plain(f"✘ {exc}"), param)
            return
        except JournalError as exc:  # the locks' or the journal's directory read-only, gone
            self.refuse(plain(f"✘ Nothing was recorded or locked: {exc}"))
            return
        if failing:
            # Named up to NAMED, as the side pane does: 16 hosts of a stopped sshd, or
            # hundreds behind a dead switch, made a toast of every name.
            names = app.settings.inventory.hosts_in_order(failing)
            more = f" and {len(names) - NAMED} more" if len(names) > NAMED else ""
            app.notify(
                f"{', '.join(names[:NAMED])}{more} failed the SSH check: steps will fail there"
                " until it answers. The record says so.",
                title="Chosen hosts not up",
                severity="warning",
                timeout=10,
            )
        below = app.screen_stack[-2] if len(app.screen_stack) > 1 else None
        if isinstance(below, IncidentScreen):  # another strategy, chosen mid-incident
            app.pop_screen()
            app.action_go("checklist")
        else:
            app.enter_incident()

    @classmethod
    def again(cls, incident: IncidentView) -> PickerScreen:
        """The picker for choosing the strategy again in `incident`: its systems picked,
        its strategy and values as chosen last (but a secret's, masked in the record: its
        field shows its default, to type again)."""
        state = incident.state
        kept = {k: v for k, v in state.params.items() if MASK not in v}
        return cls(preselect=list(state.systems), chosen=(state.strategy, kept))

    def action_back(self) -> None:
        """Back one screen: to the trigger screen, as it was left."""
        self.dismiss()

    def on_watch_changed(self, message: WatchChanged) -> None:
        for line in self.query(WatchLine):
            line.sync()
