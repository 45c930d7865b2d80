"""System picker: systems and hosts to roll back, and the strategy with its parameters."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, RadioSet, Static

from console.engine.conductor import ProcedureError
from console.ui.widgets.host_tree import Continue, HostTree, Toggled
from console.ui.widgets.toggles import MarkedRadioButton


class PickerScreen(Screen):
    """Pick the affected systems or single hosts, then the strategy; Enter goes on."""

    BINDINGS = [
        Binding("ctrl+s", "go_on", "Continue", id="picker.go", show=False),
        Binding("ctrl+f", "focus_filter", "Filter", id="picker.filter"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(
            " Pick the affected systems and the strategy   step 2 of 2", classes="screen-title"
        )
        yield Input(
            placeholder="Filter by name or tag, e.g. web, eu-west, canary",
            id="filter",
            compact=True,
        )
        with Horizontal(id="picker-body"):
            yield HostTree(self.app.settings.inventory, id="tree")
            with VerticalScroll(id="picker-side"):
                yield Label("", id="selection")
                yield Label("Strategy", classes="section-title")
                yield Vertical(id="strategy-box")
                yield Static("", id="strategy-help", classes="muted")
                yield Vertical(id="params")
                yield Label("", id="picker-error", classes="error-line")
        yield Static(
            " Space toggles · Enter continues · type in the filter to narrow", classes="hint-line"
        )
        yield Footer()

    _params_for: str | None = "-"
    _applies: tuple[str, ...] = ("-",)

    def __init__(self, preselect: list[str] | None = None):
        super().__init__()
        self.preselect = preselect or []

    async def on_mount(self) -> None:
        tree = self.query_one(HostTree)
        inventory = self.app.settings.inventory
        tree.selected |= {h.name for s in self.preselect for h in inventory.system(s).hosts}
        tree.relabel()
        tree.focus()
        await self.update_side()

    # -- selection ---------------------------------------------------------------

    @property
    def tree(self) -> HostTree:
        return self.query_one(HostTree)

    def systems(self) -> list[str]:
        inventory = self.app.settings.inventory
        return [s.name for s in inventory.systems if {h.name for h in s.hosts} & self.tree.selected]

    def strategy(self) -> str | None:
        radios = self.query(".strategies").results(RadioSet)
        button = next((r.pressed_button for r in radios), None)
        return button.name if button else None

    async def update_side(self) -> None:
        settings = self.app.settings
        systems = self.systems()
        count = len(self.tree.selected)
        text = (
            f"Selected: {count} host(s) in {', '.join(systems)}"
            if count
            else "Nothing selected yet: Space on a system or host."
        )
        self.query_one("#selection", Label).update(text)
        applies = tuple(settings.strategies_for(systems))
        if applies != self._applies:
            self._applies = applies
            chosen = self.strategy()
            if chosen not in applies:
                chosen = applies[0] if applies else None
            box = self.query_one("#strategy-box", Vertical)
            await box.remove_children()
            if applies:
                buttons = [MarkedRadioButton(n, value=n == chosen, name=n) for n in applies]
                await box.mount(RadioSet(*buttons, classes="strategies"))
        self.show_params()

    def show_params(self) -> None:
        name = self.strategy()
        box = self.query_one("#params", Vertical)
        if self._params_for == name:
            return
        self._params_for = name
        box.remove_children()
        help_text = self.query_one("#strategy-help", Static)
        if name is None:
            help_text.update(
                "No strategy applies to every selected system."
                if self.tree.selected
                else "Select systems to see the strategies that apply to all of them."
            )
            return
        strategy = self.app.settings.strategy(name)
        help_text.update(strategy.description)
        widgets = []
        for param in strategy.params:
            required = " (required)" if param.required else ""
            widgets.append(
                Label(f"{param.name}{required}: {param.description}", classes="param-label")
            )
            widgets.append(
                Input(
                    value=param.default or "",
                    placeholder=param.type.value,
                    name=param.name,
                    classes="param",
                    compact=True,
                )
            )
        box.mount_all(widgets)

    async def on_toggled(self, event: Toggled) -> None:
        self.query_one("#picker-error", Label).update("")
        await self.update_side()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.show_params()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.tree.filter = event.value
            self.tree.rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.tree.focus()
        else:
            self.action_go_on()

    def on_continue(self, event: Continue) -> None:
        self.action_go_on()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_go_on(self) -> None:
        error = self.query_one("#picker-error", Label)
        systems = self.systems()
        if not systems:
            error.update("✘ Select at least one system or host (Space toggles).")
            return
        strategy = self.strategy()
        if strategy is None:
            error.update("✘ No strategy applies to all of these systems: pick fewer.")
            return
        whole = all(
            {h.name for h in self.app.settings.inventory.system(s).hosts} <= self.tree.selected
            for s in systems
        )
        hosts = None if whole else sorted(self.tree.selected)
        params = {i.name: i.value for i in self.query(".param").results(Input) if i.name}
        try:
            self.app.pick(systems, hosts, strategy, params)
        except ProcedureError as exc:
            error.update(f"✘ {exc}")
            return
        self.app.switch_screen("checklist")
