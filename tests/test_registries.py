"""Each concept has one table, and the table covers every member of its kind."""

from console.engine.plan import strategy_groups
from console.engine.probes import SAMPLERS
from console.model.kinds import STRATEGY_KINDS, StrategyKind
from console.model.presets import all_presets
from console.model.probes import PROBE_KINDS, ProbeKind
from console.model.strategies import Strategy


def test_every_probe_kind_has_its_facts_and_a_sampler():
    assert set(PROBE_KINDS) == set(ProbeKind) == set(SAMPLERS)


def test_every_strategy_kind_is_in_the_table():
    assert set(STRATEGY_KINDS) == set(StrategyKind)


def test_a_gradual_kind_runs_one_group_per_value_and_says_which():
    kind = next(k for k, info in STRATEGY_KINDS.items() if info.stepping)
    preset = next(p for (k, _), p in all_presets().items() if k is kind)
    strategy = Strategy.validated({"name": "re", "kind": kind.value, "preset": preset.name})
    stepping = STRATEGY_KINDS[kind].stepping
    assert stepping is not None
    groups, values = strategy_groups(strategy, {stepping.param: "10, 50,100"})
    assert values == ["10", "50", "100"]
    assert [g[-1][2] for g in groups] == [{stepping.value: v} for v in values]
    assert groups[0][0][0] == "precheck" and all(g[0][0] != "precheck" for g in groups[1:])


def test_other_kinds_run_one_group_with_no_values():
    preset = next(p for (k, _), p in all_presets().items() if not STRATEGY_KINDS[k].stepping)
    strategy = Strategy.validated({"name": "one", "kind": preset.kind.value, "preset": preset.name})
    groups, values = strategy_groups(strategy, {})
    assert len(groups) == 1 and values == []


def test_each_screen_row_names_a_screen_its_key_and_its_bindings():
    from textual.binding import Binding

    from console.model.keymap import BINDING_IDS
    from console.ui.app import RollbackApp
    from console.ui.incident_screens import SCREENS
    from console.ui.screens.base import IncidentScreen

    app_bindings = {b.id: b for b in RollbackApp.BINDINGS if isinstance(b, Binding)}
    assert len({row.key for row in SCREENS}) == len(SCREENS)
    for row in SCREENS:
        screen = row.screen_class()
        assert issubclass(screen, IncidentScreen) and row.name == screen.TAB
        binding = app_bindings[row.binding_id]
        assert (binding.key, binding.action) == (row.key, f"go('{row.name}')")
        assert row.binding_ids() <= BINDING_IDS  # a keymap may rebind each of them
        actions = {b.action for b in screen.BINDINGS if isinstance(b, Binding)}
        assert row.looks <= actions, f"{row.name}: looks at actions it does not bind"


async def test_the_screen_table_drives_the_tabs_the_f_keys_and_the_follow_view(tmp_path):
    from textual.binding import Binding

    from console.ui.incident_screens import SCREENS
    from console.ui.widgets.incident_bar import IncidentBar
    from tests.test_ui_follow import follow_app, writer
    from tests.test_ui_support import until

    journal = writer(tmp_path)
    app = follow_app(journal.path)
    async with app.run_test(size=(160, 36)) as pilot:
        await until(pilot, lambda: app.screen.TAB == "checklist")
        tabs = app.screen.query_one(IncidentBar)._tabs().plain.split()
        assert tabs == [w for row in SCREENS for w in [row.key.upper(), *row.label.split()]]
        for row in SCREENS:
            await pilot.press(row.key)
            await until(pilot, lambda row=row: row.name == app.screen.TAB)
            screen = app.screen
            # p looks, on a step that sends commands, but not in the follow view: it has not
            # the strategies to render them (c416c43).
            unrendered = {"preview"} if row.name == "checklist" else set()
            if unrendered:
                screen.select_step("capture-evidence")
                await pilot.pause()
            for binding in screen.BINDINGS:
                assert isinstance(binding, Binding)
                action = binding.action.split("(")[0]
                # Only what the row says looks is let through in the read-only view.
                looks = action in row.looks and action not in unrendered
                assert screen.check_action(action, ()) is looks, action
    journal.close()
