"""Presets: real commands for the built-in kinds, merged with what a configuration gives;
a built-in kind with neither commands nor a preset is refused."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from console.engine.errors import ProcedureError
from console.engine.plan import strategy_groups
from console.model.kinds import StrategyKind
from console.model.presets import all_presets, default_preset
from console.model.strategies import Strategy
from console.model.templates import allowed_form, check_value

ROOT = Path(__file__).resolve().parent.parent


def strategy(**raw) -> Strategy:
    return Strategy.validated({"name": "s", **raw})


def test_a_preset_fills_in_commands_and_the_configuration_overrides_stages_and_params():
    s = strategy(
        kind="feature-toggle-off",
        preset="file",
        params=[{"name": "flags", "default": "a,b"}, {"name": "flags_file", "default": "f"}],
        commands={"verify": "true"},
    )
    flags = next(p for p in s.params if p.name == "flags")
    assert (flags.default, flags.required, flags.pattern) == (
        "a,b",
        True,
        r"[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*",
    )
    assert s.commands.verify == "true"
    assert "{{flags_file}}" in s.commands.action and s.commands.undo


def test_version_rollback_defaults_to_the_releases_preset():
    s = strategy(kind="version-rollback")
    assert s.commands.action == all_presets()[(StrategyKind.VERSION_ROLLBACK, "releases")].action
    assert default_preset(StrategyKind.VERSION_ROLLBACK).name == "releases"


def test_own_commands_take_no_default_preset_params():
    s = strategy(kind="version-rollback", commands={"action": "true"})
    assert s.params == [] and s.commands.precheck is None


@pytest.mark.parametrize(
    "kind",
    [k for k in StrategyKind if k is not StrategyKind.CUSTOM and not default_preset(k)],
)
def test_a_built_in_kind_without_commands_or_preset_is_refused(kind):
    with pytest.raises(ValueError, match=r"commands\.action is missing") as caught:
        strategy(kind=kind.value, commands={"verify": "true"})
    assert f"kind '{kind.value}' has no default commands" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"kind": "backup-restore", "preset": "postgres-base"},
            "preset 'postgres-base' is not a preset of kind 'backup-restore' (did you mean",
        ),
        (
            {"kind": "log-replay", "preset": "postgres-pitr"},
            "(it is one of kind 'point-in-time')",
        ),
        ({"kind": "custom", "preset": "file"}, "kind 'custom' has no presets"),
    ],
)
def test_an_unknown_preset_says_what_exists(raw, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        strategy(**raw)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("25,150", "stage '150' is not a share of more than 0 and at most 100 %"),
        ("0,100", "stage '0' is not a share of more than 0 and at most 100 %"),
        ("50,25", "stage '25' does not rise above '50' before it"),
    ],
)
def test_a_re_enable_stage_is_a_rising_share_of_at_most_100(steps, message):
    """check-config took `steps = "25,150"` (the flags then set to 150) and `"50,25"` (a
    re-enable turning the rollout back down); refused in its default, as `run` refuses it
    in a value given, before anything is sent."""
    params = [{"name": "flags", "default": "a"}, {"name": "flags_file", "default": "f"}]
    with pytest.raises(ValueError, match=re.escape(message)):
        strategy(
            kind="feature-reenable",
            preset="file",
            params=[*params, {"name": "steps", "default": steps}],
        )
    fine = strategy(kind="feature-reenable", preset="file", params=params)
    with pytest.raises(ProcedureError, match=re.escape(f"steps = '{steps}': {message}")):
        strategy_groups(fine, {"flags": "a", "flags_file": "f", "steps": steps})


@pytest.mark.parametrize(
    "key", sorted(all_presets(), key=str), ids=lambda k: f"{k[0].value}/{k[1]}"
)
def test_every_preset_is_a_valid_strategy_whose_defaults_pass_their_own_types(key):
    kind, name = key
    s = strategy(kind=kind.value, preset=name)
    assert s.commands.action
    for p in s.params:
        if p.default is not None:
            check_value(p.name, p.default, p.type.value, p.pattern)


def test_nothing_demo_specific_is_built_into_model_or_engine():
    demo_words = re.compile(r"bin/db|bin/restart|bin/container|etc/app-revisions|service/metrics")
    for package in ("model", "engine"):
        for path in (ROOT / "console" / package).rglob("*.py"):
            assert not demo_words.search(path.read_text()), path


def test_check_config_refuses_a_built_in_kind_with_no_commands(tmp_path):
    config = tmp_path / "config"
    subprocess.run(
        [sys.executable, "-m", "console", "init", str(config)], check=True, capture_output=True
    )
    text = (config / "strategies.toml").read_text()
    text += '\n[[strategies]]\nname = "restore"\nkind = "backup-restore"\n'
    (config / "strategies.toml").write_text(text)
    result = subprocess.run(
        [sys.executable, "-m", "console", "check-config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout
    line = text.splitlines().index('name = "restore"')  # the [[strategies]] line, 1-based
    assert re.search(
        rf"strategies\.toml:{line}: strategies\[\d+\]: commands\.action is missing: kind"
        r" 'backup-restore' has no default commands; name a preset \(postgres-basebackup\)",
        result.stderr,
    ), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "key", sorted(all_presets(), key=str), ids=lambda k: f"{k[0].value}/{k[1]}"
)
def test_docs_describe_every_preset_and_its_parameters(key):
    docs = (ROOT / "docs/strategies.md").read_text()
    preset = all_presets()[key]
    assert f"## {preset.kind.value} / {preset.name}" in docs
    for p in preset.params:
        assert f"`{p.name}`" in docs, p.name


def test_the_example_configuration_uses_the_postgres_presets():
    from console.model.loading import load_settings

    settings = load_settings(ROOT / "config/example")
    db = settings.inventory.system("db")
    used = {settings.strategy(name).preset for name in db.strategies}
    assert {"postgres-basebackup", "postgres-wal", "postgres-pitr"} <= used


def test_the_example_data_strategies_count_the_tables_in_the_orders_database():
    """Walked on a real cluster: the example's recovery strategies named the tables
    orders,customers and no database, so they were counted in `postgres`, which has
    neither: "no such table: orders, customers" before and after, and the run "rolled back
    and verified". Each names the orders database now, as its schema reversal did."""
    from console.model.loading import load_settings

    settings = load_settings(ROOT / "config/example")
    for name in settings.inventory.system("db").strategies:
        params = {p.name: p.default for p in settings.strategy(name).params}
        assert (params["database"], params["tables"]) == ("orders", "orders,customers"), name


def test_the_example_version_rollback_undoes_with_the_release_its_action_recorded():
    """The example once spelled out its own commands, and its undo read a file its action
    never wrote: `ln -sfn releases/ current` on the host. Its preset records what undo needs."""
    from console.model.loading import load_settings
    from console.model.presets.releases import ACTION, UNDO

    rollback = load_settings(ROOT / "config/example").strategy("version-rollback")
    assert (rollback.commands.action, rollback.commands.undo) == (ACTION, UNDO)
    assert "release-from" in ACTION and "release-from" in UNDO


@pytest.mark.parametrize(
    ("strategy_", "valid"),
    [
        ({"name": "r", "kind": "backup-restore"}, False),
        ({"name": "r", "kind": "backup-restore", "commands": {"verify": "true"}}, False),
        ({"name": "r", "kind": "backup-restore", "preset": "postgres-basebackup"}, True),
        ({"name": "r", "kind": "backup-restore", "commands": {"action": "true"}}, True),
        ({"name": "r", "kind": "version-rollback"}, True),
        ({"name": "r", "kind": "custom"}, False),
    ],
)
def test_the_schema_asks_for_commands_where_the_loader_does(strategy_, valid):
    import jsonschema

    from console.model.schema import file_schema

    validator = jsonschema.Draft202012Validator(file_schema("strategies.toml"))
    assert validator.is_valid({"strategies": [strategy_]}) is valid


def test_strategies_with_their_own_commands_load_without_the_preset_table():
    """The table is built on first use (its parameters are validated models): a custom
    strategy, or a built-in kind with its own action, never needs it; a preset named
    later still finds it."""
    code = (
        "import sys\n"
        "from console.model.strategies import Strategy\n"
        "Strategy.validated({'name': 'a', 'kind': 'custom', 'commands': {'action': 'true'}})\n"
        "Strategy.validated({'name': 'b', 'kind': 'version-rollback',"
        " 'commands': {'action': 'true'}})\n"
        "print(sorted(m for m in sys.modules if m.startswith('console.model.presets.')))\n"
        "s = Strategy.validated({'name': 'c', 'kind': 'version-rollback'})\n"
        "from console.model.presets import releases\n"
        "print(s.commands.action == releases.ACTION)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split("\n")[:2] == ["[]", "True"], done.stdout


@pytest.mark.parametrize(
    "key", sorted(all_presets(), key=str), ids=lambda k: f"{k[0].value}/{k[1]}"
)
def test_a_preset_line_continued_stays_two_lines_as_the_dry_run_shows_it(key):
    """Seen in `run --dry-run`: a preset's `echo "..." \\` continuation, written in a
    Python string, was joined by Python itself ('...,"       "incident ...' on one line),
    so the dry run and the host got one long line with a gap in it. A line continued in
    a preset ends with the shell's backslash, its next line indented as written."""
    preset = all_presets()[key]
    for stage in ("precheck", "action", "verify", "undo"):
        for line in (getattr(preset, stage) or "").splitlines():
            assert not re.search(r'"\s{4,}"', line), f"{stage}: {line}"


def test_a_recovery_says_no_target_until_its_values_name_one():
    """What a PostgreSQL recovery brings the data back to, from its values: nothing where
    a required value is not given yet (a procedure step naming its own strategy, run
    with its defaults, read 'Recovers to the backup , its consistent point')."""
    from console.model.kinds import StrategyKind
    from console.model.presets import find_preset

    restore = find_preset(StrategyKind.BACKUP_RESTORE, "postgres-basebackup")
    assert restore is not None and restore.recovers_to is not None
    assert restore.recovers_to({}) == ""
    assert restore.recovers_to({"backup": "/b/n"}) == "the backup /b/n, its consistent point"


def test_every_preset_parameter_with_a_pattern_is_refused_in_words():
    """h245's walk: `check_wait` typed 'ten' in the strategy form read "'ten' is not a
    whole number, matching [0-9]{1,4}": a regular expression, shown to the commander
    (check-config and `run --param` say it alike). Every preset pattern is said in words."""
    for preset in all_presets().values():
        for p in preset.params:
            if p.pattern:
                said = allowed_form(p.type.value, p.pattern, p.description)
                assert p.pattern not in said and "matching" not in said, (preset.name, p.name)
