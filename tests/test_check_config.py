"""check-config's warnings of a configuration that loads but will not do what it says:
a system no probe watches or that lists no strategy, a step's strategy no system lists,
a drill nothing fires or judges, a gradual re-enable that checks nothing; and the drill
parameters and demo faults it refuses. The broken configurations themselves are in
test_config_corpus.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from console.paths import demo_config
from tests.console_process import console
from tests.keys_recorded import keys_recorded


def init_with_strategies(tmp_path: Path, more: str) -> tuple[Path, Path, str]:
    """`init`'s configuration with `more` appended to its strategies.toml: (its directory,
    strategies.toml, the text init wrote there)."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    text = strategies.read_text()
    strategies.write_text(text + more)
    return target, strategies, text


def test_the_demo_configuration_is_valid():
    result = console("check-config", str(demo_config()))
    assert result.returncode == 0, result.stderr
    assert "ok: 3 systems" in result.stdout
    # drills.toml read, and said so (walked: nothing told a new user it had been)
    assert ", 14 steps, 12 drill scenarios, 5 schedule entries, " in result.stdout


def test_a_system_no_probe_watches_is_a_warning_when_the_procedure_verifies(tmp_path):
    """The quickstart's inventory (hosts, no probes) loads and runs, but its probe step
    can never pass: check-config says so, where, and still says ok (exit 0)."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    inventory = target / "inventory.toml"
    text = inventory.read_text()
    inventory.write_text(
        text[: text.index("[[systems]]")]
        + '[[systems]]\nname = "web"\nstrategies = ["version-rollback"]\n\n'
        + '[[systems.hosts]]\nname = "web-1"\naddress = "192.0.2.1"\n'
    )
    keys_recorded(target)
    result = console("check-config", str(target))
    assert result.returncode == 0, result.stderr
    line = text[: text.index("[[systems]]")].count("\n") + 2
    assert result.stderr == (
        f"warning: {inventory}:{line}: systems[0].name: system 'web' has no"
        " [[systems.probes]]: the probe step 'Verify system stability' cannot pass for it"
        " (add probes, or skip that step with a reason)\n"
    )
    assert result.stdout.endswith(": ok: 1 system, 1 host, 5 strategies, 9 steps, 1 warning\n")


def test_a_step_naming_a_strategy_no_system_lists_is_a_warning(tmp_path):
    """Such a step is passed over in every incident, nothing sent: check-config said
    nothing of it (exit 0, no warning)."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    with (target / "strategies.toml").open("a") as strategies:
        strategies.write(
            '\n[[strategies]]\nname = "nginx-config"\nkind = "config-restore"\npreset = "git"\n'
        )
    procedure = target / "procedure.toml"
    text = procedure.read_text()
    named = 'kind = "strategy"\nstrategy = "nginx-config"\n'
    procedure.write_text(
        text.replace('kind = "strategy"\n', 'kind = "strategy"\n\n[[phases.steps]]\nid = "conf"\n'
        f'title = "Restore configuration"\n{named}', 1)
    )  # fmt: skip
    result = console("check-config", str(target))
    assert result.returncode == 0, result.stderr
    line = procedure.read_text().split(named)[0].count("\n") + 2
    assert (
        f"warning: {procedure}:{line}: phases[1].steps[4].strategy: step 'Restore"
        " configuration' runs strategy 'nginx-config', which no system lists: every incident"
        " passes it over, nothing sent (add it to the `strategies` of the systems it rolls"
        " back, in inventory.toml)\n"
    ) in result.stderr


def test_a_git_restore_of_the_whole_repository_to_previous_is_a_warning(tmp_path):
    """Walked (helper 266): the git preset's default paths, '.', on an etckeeper-style
    /etc whose last commit was a daily autocommit: `previous` restored that commit's file
    (resolv.conf), the bad delivery under it kept, and `run` said rolled back and
    verified. check-config says so at the strategy's preset; one naming its paths is fine."""
    target, strategies, text = init_with_strategies(
        tmp_path,
        '\n[[strategies]]\nname = "etc-restore"\nkind = "config-restore"\npreset = "git"\n'
        '\n[[strategies]]\nname = "nginx-config"\nkind = "config-restore"\npreset = "git"\n'
        'params = [{ name = "paths", default = "nginx" }]\n',
    )
    result = console("check-config", str(target))
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "whole repository" in line]
    assert warned == [
        f"warning: {strategies}:{text.count(chr(10)) + 5}: strategies[5].preset: strategy"
        " 'etc-restore' restores the whole repository (paths = '.'): revision = previous is"
        " the revision before its last commit, whatever that touched (etckeeper commits"
        " /etc daily and at every apt run), not the one before the delivery; name the paths"
        ' deliveries change ({ name = "paths", default = "nginx" })'
    ], result.stderr


def test_a_default_recovery_time_ahead_of_now_is_refused_as_run_refuses_it(tmp_path):
    """What check-config accepts runs: a point-in-time strategy whose default time lies
    years ahead (2062 typed for 2026) passed check-config, and `run` then refused it
    (exit 2, 'is ... days ahead of now'). Refused at the strategy's line, in run's words."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    before = strategies.read_text().count("\n")
    with strategies.open("a") as file:
        file.write(
            '\n[[strategies]]\nname = "last-night"\nkind = "point-in-time"\n'
            'preset = "postgres-pitr"\nparams = [\n  { name = "pgdata", default = "/pg" },\n'
            '  { name = "backup", default = "/b" },\n  { name = "archive", default = "/a" },\n'
            '  { name = "recovery_target_time", default = "2062-12-07T03:51:13Z" },\n]\n'
        )
    keys_recorded(target)
    result = console("check-config", str(target))
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert line.startswith(
        f"error: {strategies}:{before + 3}: strategies[5].name: strategy 'last-night': the"
        " default of recovery_target_time, 2062-12-07T03:51:13Z is "
    ), line
    assert " days ahead of now (" in line and line.endswith("(Z for a local time)?"), line


def test_a_system_that_lists_no_strategies_is_a_warning_and_run_says_what_to_write(tmp_path):
    """`strategies = []` (or none written) passed check-config silently; the procedure's
    strategy step could never run there, and `run --systems web` said 'no strategy applies
    to every one of web: run them apart', of one system."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    inventory = target / "inventory.toml"
    text = inventory.read_text()
    written = 'strategies = ["version-rollback"]'
    inventory.write_text(text.replace(written, "strategies = []", 1))
    result = console("check-config", str(target))
    assert result.returncode == 0, result.stderr
    line = text[: text.index(written)].count("\n") + 1
    assert (
        f"warning: {inventory}:{line}: systems[0].strategies: system 'web' lists no"
        " strategies: none can be chosen for it, and the strategy step 'Restore previous"
        " version' cannot run there (name the ones that may roll it back, from"
        " strategies.toml)\n"
    ) in result.stderr
    ran = console(
        "run", "--config", str(target), "--systems", "web", "--trigger", "user-impact",
        "--reason", "checkout 500s", "--yes", "--dry-run",
    )  # fmt: skip
    assert ran.returncode == 2
    assert ran.stderr == (
        "error: web lists no strategies in inventory.toml: name the ones that may roll it"
        " back there\n"
    )


def checked_with_drills(
    tmp_path: Path, drills: str
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """check-config of `init`'s configuration with `drills` as its drills.toml."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    (target / "drills.toml").write_text(drills)
    keys_recorded(target)
    return target, console("check-config", str(target))


def test_a_drill_awaiting_a_trigger_nothing_fires_is_a_warning(tmp_path):
    """A scenario awaiting error-threshold on a system no trigger of triggers.toml
    watches loads, then fails on detection every time (seen on a real fleet: "no automatic
    trigger fired on web in 0 round(s)"): check-config says so, where, and still says ok."""
    target, result = checked_with_drills(
        tmp_path,
        '[[scenarios]]\nname = "bad-release"\nsystems = ["web"]\n'
        'strategy = "version-rollback"\ntrigger = "error-threshold"\n',
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"warning: {target / 'drills.toml'}:5: scenarios[0].trigger: scenario 'bad-release'"
        " awaits error-threshold, but no trigger of triggers.toml fires it on web: the drill"
        " would fail on detection (add that trigger, or declare a manual kind with a reason)\n"
    )
    assert result.stdout.endswith(", 1 warning\n")


def test_the_trigger_docs_drills_md_shows_is_the_one_that_warning_asks_for(tmp_path):
    """The warning above says "add that trigger", and nothing a new user reads (README,
    docs/drills.md, `init`'s files) showed what a [[triggers]] entry holds: the example
    docs/drills.md now shows, written as triggers.toml beside `init`'s files, is valid and
    silences it."""
    import re
    import textwrap

    doc = (Path(__file__).parent.parent / "docs" / "drills.md").read_text()
    [block] = [
        textwrap.dedent(b)
        for b in re.findall(r"```toml\n(.*?)```", doc, re.S)
        if "[[triggers]]" in b
    ]
    drills = '[[scenarios]]\nname = "bad-release"\nsystems = ["web"]\n'
    drills += 'strategy = "version-rollback"\ntrigger = "error-threshold"\n'
    target, _ = checked_with_drills(tmp_path, drills)
    (target / "triggers.toml").write_text(block)
    result = console("check-config", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr


def test_a_drill_judging_integrity_on_a_strategy_that_keeps_no_records_is_a_warning(tmp_path):
    """Seen on a real fleet: a scenario with `after = "strategy"` and a custom strategy
    without `data_touching` loaded, ran, and failed 'integrity on web-1: no record after
    the drill' on every host, every time: check-config says so, where, and still ok."""
    target, result = checked_with_drills(
        tmp_path,
        '[[scenarios]]\nname = "orders"\nsystems = ["web"]\nstrategy = "version-rollback"\n'
        'trigger = "user-impact"\nreason = "drill"\n\n[scenarios.integrity]\n'
        'command = "orders-summary"\nafter = "strategy"\n',
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"warning: {target / 'drills.toml'}:10: scenarios[0].integrity.after: scenario"
        " 'orders' judges integrity on the strategy's own records, but 'version-rollback'"
        " keeps none (no `data_touching = true`): every host would have no record after the"
        ' drill (set it, and print `integrity` lines; or `after = "baseline"`)\n'
    )


FLAGS_FILE = '  { name = "flags_file", default = "/etc/storefront/flags" },\n'

CHECK = '  { name = "check", default = "curl -fsS http://127.0.0.1:8080/health" },\n'

HEALTH = '[strategies.commands]\nhealth = "curl -fsS http://127.0.0.1:8080/health"\n'


@pytest.mark.parametrize(
    ("preset", "params", "health", "probed", "warned"),
    [
        ("file", FLAGS_FILE, "", False, True),
        ("http", "", "", False, True),
        ("file", FLAGS_FILE + CHECK, "", False, False),
        ("http", "", HEALTH, False, False),
        ("file", FLAGS_FILE, "", True, False),  # its system's probes are read between steps
    ],
)
def test_a_gradual_reenable_that_checks_nothing_is_a_warning(
    tmp_path, preset, params, health, probed, warned
):
    """docs/strategies.md's re-enable without its `check` line (or the http one without its
    `health`) loads and runs, and every step passes once the flags read the percentage,
    the application sick or not, up to 100 %: check-config says so at the strategy's name
    and still says ok. Unless a probe watches its system (init's `web` has one): those
    are read after each step, and one not healthy holds the rollout."""
    target, strategies, text = init_with_strategies(
        tmp_path,
        '\n[[strategies]]\nname = "checkout-reenable"\nkind = "feature-reenable"\n'
        f'preset = "{preset}"\nwaves = {{ confirm = true }}\n'
        f'params = [\n  {{ name = "flags", default = "new_checkout" }},\n{params}]\n{health}',
    )
    inventory = target / "inventory.toml"
    lines = inventory.read_text().replace(
        '["version-rollback"]', '["version-rollback", "checkout-reenable"]'
    )
    if not probed:  # web's probe, up to the next system
        start = lines.index("[[systems.probes]]")
        lines = lines[:start] + lines[lines.index("[[systems]]", start) :]
    inventory.write_text(lines)
    keys_recorded(target)
    result = console("check-config", str(target))
    assert result.returncode == 0, result.stderr
    line = text.count("\n") + 3
    warning = (
        f"warning: {strategies}:{line}: strategies[5].name: strategy 'checkout-reenable'"
        " re-enables step by step, but nothing checks the application between steps: each"
        " passes once the flags read its percentage (give the parameter `check` a default,"
        " [strategies.commands] health, or its systems [[systems.probes]])\n"
    )
    assert (warning in result.stderr) is warned, result.stderr
    assert warned or "re-enables step by step" not in result.stderr
    # without web's probe, also: "system 'web' has no [[systems.probes]]" (the soak's)
    warnings = warned + (not probed)
    said = f", {warnings} warning{'s' * (warnings > 1)}\n" if warnings else " 9 steps\n"
    assert result.stdout.endswith(said), result.stdout
    assert result.stderr.count("warning: ") == warnings


def test_a_drill_parameter_the_strategy_lacks_is_refused_naming_every_one(tmp_path):
    """A preset's own parameters come after its twelve common ones: a list cut at twelve
    hid the very one meant (`until` is the demo's name for `recovery_target_time`)."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    (target / "drills.toml").write_text(
        '[[scenarios]]\nname = "db-pitr"\nsystems = ["db"]\nstrategy = "orders-pitr"\n'
        'params = { until = "2026-05-16T10:30:00Z" }\n'
        'trigger = "stakeholder-decision"\nreason = "monthly drill"\n'
    )
    result = console("check-config", str(target))
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: {target / 'drills.toml'}:5: scenarios[0].params.until:"
        " no parameter of 'orders-pitr' is named 'until'; known: pgdata,"
    )
    assert result.stderr.endswith(", backup, lock_timeout, archive, recovery_target_time, expect\n")


def test_a_demo_fault_outside_the_demo_is_refused_where_it_is_written(tmp_path):
    """`drill` refuses a scenario injecting demo faults on any fleet but the demo's, which
    runs on its own configuration alone: check-config must not accept it."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    (target / "drills.toml").write_text(
        '[[scenarios]]\nname = "db-broken-backup"\nsystems = ["db"]\n'
        'strategy = "orders-restore"\ntrigger = "stakeholder-decision"\n'
        'reason = "monthly drill"\nexpect = "refused"\n\n'
        '[[scenarios.faults]]\nname = "corrupt the backup"\ninject = "corrupt-backup:db-1"\n'
    )
    result = console("check-config", str(target))
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {target / 'drills.toml'}:11: scenarios[0].faults[0].inject: scenario"
        " 'db-broken-backup' injects the demo fault 'corrupt-backup:db-1', which exists on the"
        " demo fleet only: on your hosts write a `command` that sets the fault, with its `undo`\n"
    )


def test_a_misspelt_system_strategy_is_said_once_where_it_is_misspelt(tmp_path):
    """Walked: `version-rolback` in web's strategies also read, once per drill of web,
    "drills.toml:19: ... strategy 'version-rollback' does not apply to 'web'": ten lines
    for one mistake. Only its cause is said; a drill of a strategy web does not list
    still is."""
    target = tmp_path / "mine"
    shutil.copytree(demo_config(), target)
    inventory = target / "inventory.toml"
    text = inventory.read_text()
    assert text.count('  "version-rollback", "migration-reversal",') == 1
    inventory.write_text(
        text.replace('  "version-rollback", "migration', '  "version-rolback", "migration')
    )
    result = console("check-config", str(target))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {inventory}:14: systems[0].strategies[0]: no strategy is named"
        " 'version-rolback' (did you mean 'version-rollback'?); known: version-rollback,"
        " image-rollback, migration-reversal, config-restore, feature-toggle-off,"
        " feature-reenable, backup-restore, log-replay, point-in-time"
    ], result.stderr
    # web's list misspells none now, but lacks version-rollback: each drill of it is told
    inventory.write_text(text.replace('  "version-rollback", "migration', '  "migration'))
    result = console("check-config", str(target))
    assert result.returncode == 2
    said = result.stderr.splitlines()
    assert len(said) == 9 and all(
        line.endswith("strategy 'version-rollback' does not apply to 'web'") for line in said
    ), result.stderr
