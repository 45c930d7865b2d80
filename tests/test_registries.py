"""Each concept has one table, and the table covers every member of its kind."""

from console.engine.plan import strategy_groups
from console.engine.probes import SAMPLERS
from console.model.kinds import STRATEGY_KINDS, StrategyKind
from console.model.presets import PRESETS
from console.model.probes import PROBE_KINDS, ProbeKind
from console.model.strategies import Strategy


def test_every_probe_kind_has_its_facts_and_a_sampler():
    assert set(PROBE_KINDS) == set(ProbeKind) == set(SAMPLERS)


def test_every_strategy_kind_is_in_the_table():
    assert set(STRATEGY_KINDS) == set(StrategyKind)


def test_a_gradual_kind_runs_one_group_per_value_and_says_which():
    kind = next(k for k, info in STRATEGY_KINDS.items() if info.stepping)
    preset = next(p for (k, _), p in PRESETS.items() if k is kind)
    strategy = Strategy.model_validate({"name": "re", "kind": kind.value, "preset": preset.name})
    stepping = STRATEGY_KINDS[kind].stepping
    assert stepping is not None
    groups, values = strategy_groups(strategy, {stepping.param: "10, 50,100"})
    assert values == ["10", "50", "100"]
    assert [g[-1][2] for g in groups] == [{stepping.value: v} for v in values]
    assert groups[0][0][0] == "precheck" and all(g[0][0] != "precheck" for g in groups[1:])


def test_other_kinds_run_one_group_with_no_values():
    preset = next(p for (k, _), p in PRESETS.items() if not STRATEGY_KINDS[k].stepping)
    strategy = Strategy.model_validate(
        {"name": "one", "kind": preset.kind.value, "preset": preset.name}
    )
    groups, values = strategy_groups(strategy, {})
    assert len(groups) == 1 and values == []
