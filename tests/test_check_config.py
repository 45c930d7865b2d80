"""check-config and the command line around it: the first run without configuration,
`init`, a closed pipe, and an unexpected error: one clear line each, never a traceback.
The broken configurations themselves are in test_config_corpus.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import check_config as check_config_command
from console.cli import main
from console.cli.parser import EXIT_FAILED
from console.model.problems import quoted
from console.paths import demo_config
from tests.console_process import console
from tests.keys_recorded import keys_recorded


def test_the_demo_configuration_is_valid():
    result = console("check-config", str(demo_config()))
    assert result.returncode == 0, result.stderr
    assert "ok: 3 systems" in result.stdout


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
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    text = strategies.read_text()
    strategies.write_text(
        text + '\n[[strategies]]\nname = "checkout-reenable"\nkind = "feature-reenable"\n'
        f'preset = "{preset}"\nwaves = {{ confirm = true }}\n'
        f'params = [\n  {{ name = "flags", default = "new_checkout" }},\n{params}]\n{health}'
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


def test_a_missing_directory_is_a_usage_error(tmp_path):
    result = console("check-config", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stderr == f"error: {tmp_path / 'nowhere'}: does not exist\n"


def test_init_writes_a_starter_configuration_that_validates(tmp_path):
    target = tmp_path / "mine"
    result = console("init", str(target))
    assert result.returncode == 0, result.stderr
    assert console("check-config", str(target)).returncode == 0
    again = console("init", str(target))
    assert again.returncode == 2 and "would overwrite" in again.stderr


def test_init_without_dir_writes_where_the_console_then_finds_it(tmp_path):
    """`rollback-console init` alone was an argparse error (helper-138): it writes into
    the user config dir, which check-config and the console then read with no option;
    $ROLLBACK_CONSOLE_CONFIG, when set, names the place instead."""
    env = {k: v for k, v in os.environ.items() if k != "ROLLBACK_CONSOLE_CONFIG"}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "SLACK_WEBHOOK_URL": "https://h.example/x"}
    mine = tmp_path / "xdg" / "rollback-console"
    result = console("init", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{mine}: wrote 4 files"), result.stdout
    assert (mine / "inventory.toml").is_file()
    checked = console("check-config", cwd=tmp_path, env=env)
    assert checked.returncode == 0 and checked.stdout.startswith(f"{mine}: ok"), checked
    named = console("init", cwd=tmp_path, env={**env, "ROLLBACK_CONSOLE_CONFIG": "team"})
    assert named.returncode == 0 and (tmp_path / "team" / "procedure.toml").is_file(), named
    again = console("init", cwd=tmp_path, env=env)
    assert again.returncode == 2 and "would overwrite" in again.stderr, again


def test_the_first_run_without_configuration_says_where_it_looked_and_how_on(tmp_path):
    """No --config, no $ROLLBACK_CONSOLE_CONFIG, no ./config, no user config dir."""
    env = {k: v for k, v in os.environ.items() if k != "ROLLBACK_CONSOLE_CONFIG"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    for argv in (
        [],
        ["check-config"],
        ["run", "--systems", "web", "--strategy", "x", "--trigger", "user-impact", "--reason", "r"],
    ):
        result = console(*argv, cwd=tmp_path, env=env)
        assert result.returncode == 2 and not result.stdout
        err = result.stderr
        assert err.startswith("error: no configuration found. Looked in, in order:\n"), err
        assert "--config DIR               not given" in err
        assert "$ROLLBACK_CONSOLE_CONFIG   not set" in err
        assert "./config                   config: does not exist" in err
        assert f"{tmp_path / 'xdg' / 'rollback-console'}: does not exist" in err
        assert "rollback-console demo" in err and "rollback-console init\n" in err
        assert "or init DIR, then pass\n  --config DIR" in err
        assert "Traceback" not in err


def test_the_environment_variable_names_a_directory_that_is_not_there(tmp_path):
    env = {**os.environ, "ROLLBACK_CONSOLE_CONFIG": str(tmp_path / "gone")}
    result = console("check-config", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr == f"error: {tmp_path / 'gone'}: does not exist\n"


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`rollback-console run --dry-run | head`: the pipe closes, the command ends quietly."""
    argv = ["run", "--config", str(demo_config()), "--systems", "web"]
    argv += ["--strategy", "version-rollback", "--trigger", "user-impact", "--reason", "r"]
    script = (
        f"{sys.executable} -m console {' '.join(argv)} --yes --dry-run 2>{tmp_path / 'err'}"
        " | head -n 2; echo status=${PIPESTATUS[0]}"
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith("# dry run: nothing is sent")
    assert "status=0" in result.stdout
    assert (tmp_path / "err").read_text() == ""
    closed = subprocess.Popen(  # the reader is gone before the first line is written
        [sys.executable, "-m", "console", *argv, "--yes", "--dry-run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    closed.stdout.close()
    err = closed.stderr.read()
    assert closed.wait(timeout=60) == 0 and err == b""


def test_an_unexpected_error_is_one_line_and_its_traceback_is_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path))

    def broken(args):
        raise RuntimeError("something no check foresaw")

    monkeypatch.setattr(check_config_command, "check_config", broken)
    assert main(["check-config", str(demo_config())]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: internal error: RuntimeError: something no check foresaw")
    (saved,) = (tmp_path / "crashes").iterdir()
    assert f"please report it with {saved}" in err
    assert "Traceback" in saved.read_text() and saved.stat().st_mode & 0o777 == 0o600


def test_follow_plain_ends_when_its_reader_does(tmp_path):
    """`follow --plain | head -n 1` on an incident still open: follow would poll until the
    incident closes; with its reader gone it ends, quietly, instead."""
    from console.model.events import Kind
    from tests.events_factory import recorder_in

    recorder = recorder_in(tmp_path)
    recorder.record(Kind.INCIDENT_OPENED, title="still open", incident_id="i-1")
    recorder.close()
    script = (
        f"{sys.executable} -m console follow {tmp_path} --plain 2>{tmp_path / 'err'}"
        " | head -n 1; echo status=${PIPESTATUS[0]}"
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "opened the incident" in result.stdout and "status=0" in result.stdout
    assert (tmp_path / "err").read_text() == ""


def test_a_missing_identity_file_is_a_warning_every_command_says(tmp_path):
    """As OpenSSH does, a missing key file is skipped (ssh-agent may hold the key): a
    warning naming the file and line, from check-config and from a dry run alike."""
    config = tmp_path / "config"
    # the demo's drills inject demo faults: errors anywhere but in the demo itself
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    inventory = config / "inventory.toml"
    inventory.write_text(
        inventory.read_text().replace("[ssh]\n", '[ssh]\nidentity_files = ["no-such-key"]\n', 1)
    )
    keys_recorded(config)
    line = inventory.read_text().splitlines().index('identity_files = ["no-such-key"]') + 1
    want = (
        f"warning: {inventory}:{line}: ssh.identity_files[0]: no-such-key: no such file;"
        " skipped (ssh-agent may hold the key)"
    )
    checked = console("check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 0 and want in checked.stderr.splitlines(), checked.stderr
    assert checked.stdout.rstrip().endswith("1 warning")
    argv = ["run", "--config", str(config), "--systems", "web", "--strategy"]
    argv += ["version-rollback", "--trigger", "user-impact", "--reason", "r", "--yes"]
    dry = console(*argv, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0 and want in dry.stderr.splitlines(), dry.stderr


def test_a_known_hosts_file_named_but_missing_is_a_warning_every_command_says(tmp_path):
    """A mistyped known_hosts path was accepted silently, and then every host of a run
    failed as unknown: a warning naming the file, line and key, and what follows."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    inventory = config / "inventory.toml"
    typo = tmp_path / "known_hostz"
    entry = f'known_hosts = "{typo}"'
    inventory.write_text(inventory.read_text().replace("[ssh]\n", f"[ssh]\n{entry}\n", 1))
    line = inventory.read_text().splitlines().index(entry) + 1
    want = (
        f"warning: {inventory}:{line}: ssh.known_hosts: {typo}: no such file: every host's"
        " key is unknown (exec, run and drill fail each host) until one is accepted (k in"
        " the system picker, or --accept-host-key), which creates it"
    )
    checked = console("check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 0 and want in checked.stderr.splitlines(), checked.stderr
    argv = ["run", "--config", str(config), "--systems", "web", "--strategy"]
    argv += ["version-rollback", "--trigger", "user-impact", "--reason", "r", "--yes"]
    dry = console(*argv, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0 and want in dry.stderr.splitlines(), dry.stderr


def test_a_keymap_key_another_binding_of_the_screen_has_is_refused(tmp_path, monkeypatch):
    """`"execution.retry" = "a"` was accepted: two bindings of the execution screen on one
    key, the abort and the retry, one of which never acts, with nothing said. check-config
    and the console refuse it, naming the line and both bindings; a key of its own is fine."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    entry = '"execution.retry" = "a"'
    (config / "console.toml").write_text(f"[keymap]\n{entry}\n")
    want = (
        f"error: {config / 'console.toml'}:2: keymap.execution.retry: 'a' is also the key of"
        " execution.abort on the same screen: one of the two would never act"
    )
    checked = console("check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 2 and want in checked.stderr.splitlines(), checked.stderr
    from console.cli import launch

    def started(*args, **kwargs):
        raise AssertionError("the console started on a keymap it must refuse")

    monkeypatch.setattr(launch, "run_tui", started)
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path / "state"))
    assert main(["--config", str(config)]) == 2
    (config / "console.toml").write_text('[keymap]\n"execution.retry" = "f9"\n')
    assert console("check-config", str(config), cwd=tmp_path).returncode == 0


def test_a_redacted_variable_misspelt_is_a_warning_every_command_says(tmp_path):
    """`[redact] env = ["DEPLOY_TOKN"]` with $DEPLOY_TOKEN exported was accepted silently:
    the token it meant to mask would reach the journal and every export as it is. A name
    merely unset (nothing exported to mask) says nothing."""
    from tests.console_process import EXAMPLE_HOOK

    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    (config / "console.toml").write_text('[redact]\nenv = ["DEPLOY_TOKN"]\n')
    env = {**os.environ, **EXAMPLE_HOOK, "DEPLOY_TOKEN": "s3cret-token"}
    env.pop("DEPLOY_TOKN", None)
    want = (
        f"warning: {config / 'console.toml'}:2: redact.env[0]: $DEPLOY_TOKN is not set here,"
        " $DEPLOY_TOKEN is: its value would not be masked in the journal and exports (did you"
        " mean 'DEPLOY_TOKEN'?)"
    )
    checked = console("check-config", str(config), cwd=tmp_path, env=env)
    assert checked.returncode == 0 and want in checked.stderr.splitlines(), checked.stderr
    argv = ["run", "--config", str(config), "--systems", "web", "--strategy"]
    argv += ["version-rollback", "--trigger", "user-impact", "--reason", "r", "--yes"]
    dry = console(*argv, "--dry-run", cwd=tmp_path, env=env)
    assert dry.returncode == 0 and want in dry.stderr.splitlines(), dry.stderr
    env.pop("DEPLOY_TOKEN")
    quiet = console("check-config", str(config), cwd=tmp_path, env=env)
    assert "redact" not in quiet.stderr, quiet.stderr


def test_an_ssh_config_file_named_but_missing_is_an_error_every_command_says(tmp_path):
    """Seen on a real fleet (helper-101): `config_files = ["ssh_config"]`, read from the
    current directory, or a path mistyped, was skipped without a word: check-config said
    ok and every host went where no ssh_config says (no bastion, no HostName), though
    `ssh -F` refuses such a file. Now an error naming the line and the path looked at."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    inventory = config / "inventory.toml"
    setting = 'config_files = ["ssh_config", "~/.ssh/config"]'
    inventory.write_text(inventory.read_text().replace("[ssh]\n", f"[ssh]\n{setting}\n", 1))
    line = inventory.read_text().splitlines().index(setting) + 1
    want = (
        f"error: {inventory}:{line}: ssh.config_files[0]: {tmp_path / 'ssh_config'}: no such"
        " file; the hosts would be reached without it (ssh -F refuses it too)"
    )
    checked = console("check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 2 and checked.stderr.splitlines() == [want], checked.stderr
    dry = console(
        "exec", "--config", str(config), "--systems", "web", "--dry-run", "true", cwd=tmp_path
    )
    assert dry.returncode == 2 and want in dry.stderr.splitlines(), dry.stderr
    assert "web-1" not in dry.stdout
    (tmp_path / "ssh_config").write_text("Host web-*\n    User deploy\n")
    assert console("check-config", str(config), cwd=tmp_path).returncode == 0


def test_ssh_config_options_the_console_does_not_use_are_warnings_naming_file_and_line(
    tmp_path,
):
    """README promises a warning for "an ssh_config option it ignores": only
    StrictHostKeyChecking had one. A host reached by ssh through a certificate, by its
    canonical name went elsewhere, or failed, unexplained (a mistyped HostName is refused,
    as ssh refuses it: tests/test_unroutable_refused_sshd). Options whose absence changes
    nothing the console does (Debian's SendEnv) stay quiet."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(
        "Host web-1\n    CanonicalizeHostname yes\n    CertificateFile ~/.ssh/id-cert.pub\n"
        "Host web-*\n    SendEnv LANG LC_*\n    ControlMaster auto\n"
        "Host db-*\n    ForwardAgent yes\n"
    )
    inventory = config / "inventory.toml"
    setting = f'config_files = ["{ssh_config}"]'
    inventory.write_text(inventory.read_text().replace("[ssh]\n", f"[ssh]\n{setting}\n", 1))
    checked = console("check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    warned = [line for line in checked.stderr.splitlines() if "ssh_config for" in line]
    assert warned == [
        f"warning: ssh_config for web-1: {ssh_config}:2: CanonicalizeHostname ignored: names"
        " are not canonicalized: set HostName (or the inventory's address)",
        f"warning: ssh_config for web-1: {ssh_config}:3: CertificateFile ignored: the console"
        " logs in with IdentityFile keys and the agent of $SSH_AUTH_SOCK only",
        f"warning: ssh_config for db-1, db-2: {ssh_config}:8: ForwardAgent ignored: the console"
        " never forwards the agent",
    ], checked.stderr
    dry = console("exec", "--config", str(config), "--systems", "db", "--dry-run", "true")
    assert f"  note: {ssh_config}:8: ForwardAgent ignored" in dry.stdout, dry.stdout


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (["--strategy", "versoin-rollback"], "unknown strategy 'versoin-rollback' (did you mean"),
        (["--systems", "webb"], "unknown system 'webb' (did you mean 'web'?)"),
        (["--param", "tagret=2.4.0"], "has no parameter 'tagret' (did you mean 'target'?)"),
    ],
)
def test_a_mistyped_name_on_the_command_line_gets_the_closest_one(change, said, capsys):
    args = {"--systems": "web", "--strategy": "version-rollback"}
    argv = ["run", "--config", str(demo_config()), "--trigger", "user-impact", "--reason", "r"]
    if change[0] in args:
        args[change[0]] = change[1]
    else:
        argv += change
    argv += [part for pair in args.items() for part in pair]
    for extra in (["--dry-run"], []):
        assert main([*argv, "--yes", *extra]) == 2
        assert said in capsys.readouterr().err


def test_an_integer_default_written_as_a_toml_integer_runs(tmp_path):
    """`{ name = "pg_port", default = 5432 }`, as the docs' `integer` type suggests, was
    refused ("Input should be a valid string"); it is the parameter's digits, checked
    as an integer and sent shell-quoted like any value."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    text = strategies.read_text()
    marker = '  { name = "tables", default = "orders,customers" },'
    assert marker in text
    strategies.write_text(
        text.replace(marker, marker + '\n  { name = "pg_port", default = 5433 },')
    )
    result = console("check-config", str(target))
    assert result.returncode == 0, result.stderr
    dry = console(
        "--config", str(target), "run", "--systems", "db", "--strategy",
        "orders-restore", "--trigger", "data-corruption", "--reason", "test", "--dry-run",
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "export PGPORT=5433 " in dry.stdout


def test_a_misspelt_kind_is_one_line_not_also_missing_commands(tmp_path):
    """init's strategies take their commands from their kind's preset: a misspelt kind
    brings none, and its 'commands: is required' was a second line sending the user to
    write commands the right kind brings."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    text = strategies.read_text()
    strategies.write_text(text.replace('kind = "version-rollback"', 'kind = "version-rollbak"', 1))
    result = console("check-config", str(target))
    assert result.returncode == 2
    line = (
        text.splitlines().index(
            next(ln for ln in text.splitlines() if ln.startswith('kind = "version-rollback"'))
        )
        + 1
    )
    assert result.stderr.splitlines() == [
        f"error: {strategies}:{line}: strategies[0].kind: 'version-rollbak' is not one of:"
        " version-rollback, migration-reversal, config-restore, feature-toggle-off,"
        " feature-reenable, backup-restore, log-replay, point-in-time, custom"
        " (did you mean 'version-rollback'?)"
    ]


def test_a_placeholder_in_a_strategy_description_is_refused_where_it_is_written(tmp_path):
    """A description is shown as written (the run's confirmation, the document): the
    confirmation read 'Does: Swap a marker for {{host}}', never filled in."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    text = strategies.read_text()
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("description"))
    first = text.split("description = ", 1)
    strategies.write_text(first[0] + 'description = "Swap a marker for {{host}}"\n#' + first[1])
    result = console("check-config", str(target))
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {strategies}:{line}: strategies[0].description: {{{{host}}}} is never filled"
        " in a description, which is shown as written; say it in words\n"
    )


def test_a_notification_command_with_a_placeholder_inside_quotes_is_refused(tmp_path):
    """Walked: a command channel `echo "mail {{incident}}: {{message}}" >> FILE`, and a
    run declared with the reason 'checkout 500s $(touch F) `id`': the jump host created F
    and the mail read 'uid=0(root) ...'. Each value is shell-quoted as it is filled in,
    so quotes around a placeholder hand it back to the shell. check-config refuses it,
    at its line, saying how to write it; outside the quotes it is accepted, and so is a
    value that is always a plain word (the incident id) inside them."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    procedure = target / "procedure.toml"
    base = procedure.read_text()
    channel = '\n[[channels]]\nname = "mailer"\nkind = "command"\ncommand = \'{}\'\n'
    procedure.write_text(base + channel.format('echo "mail: {{message}}" >> /tmp/x'))
    result = console("check-config", str(target))
    line, index = base.count("\n") + 5, base.count("\n[[channels]]")
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"error: {procedure}:{line}: channels[{index}].command: {{{{message}}}} is inside"
        ' "..." quotes: its value is shell-quoted already, and inside quotes the shell'
        " would run what it holds ($(...), `...`) and show the quotes; close the quotes"
        ' before it: echo "status: "{{message}}\n'
    )
    # Outside the quotes; a plain word (an id, a name) reads the same inside them.
    procedure.write_text(base + channel.format('echo "mail {{incident}}: "{{message}} >> /x'))
    assert console("check-config", str(target)).returncode == 0


def test_a_number_written_as_a_string_is_refused_where_it_is_written(tmp_path):
    """`port = "22"` is TOML text, not the integer the key takes (check-config
    guarantees every value has its type, and the schema says integer): one line naming
    file, line and key, exit 2, for check-config and every command alike; it was taken
    as the number 22."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    inventory = target / "inventory.toml"
    text = inventory.read_text().replace('\ntags = ["eu-west", "canary"]', '\nport = "22"', 1)
    inventory.write_text(text.replace("connect_timeout = 10.0", 'connect_timeout = "10"'))
    lines = inventory.read_text().splitlines()
    port_line = lines.index('port = "22"') + 1
    timeout_line = next(n for n, line in enumerate(lines, 1) if "connect_timeout" in line)
    for command in (
        ("check-config", str(target)),
        ("exec", "--config", str(target), "--systems", "web", "--dry-run", "true"),
    ):
        result = console(*command)
        assert result.returncode == 2, result.stderr
        assert result.stderr == (
            f"error: {inventory}:{timeout_line}: ssh.connect_timeout: '10' is a string:"
            " write a number, without quotes\n"
            f"error: {inventory}:{port_line}: systems[0].hosts[0].port: '22' is a string:"
            " write an integer, without quotes\n"
        ), command


def test_an_empty_list_or_text_is_said_in_words_not_pydantics(tmp_path):
    """Every strategy commented out of strategies.toml read "strategies: List should have at
    least 1 item after validation, not 0", and an empty title "String should have at least
    1 character": pydantic's words. One line each, naming file and key, exit 2."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    strategies.write_text("".join(f"# {line}\n" for line in strategies.read_text().splitlines()))
    procedure = target / "procedure.toml"
    procedure.write_text(
        procedure.read_text().replace('title = "Halt current delivery process"', 'title = ""', 1)
    )
    title_line = procedure.read_text().splitlines().index('title = ""') + 1
    for command in (
        ("check-config", str(target)),
        ("exec", "--config", str(target), "--systems", "web", "--dry-run", "true"),
    ):
        result = console(*command)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.splitlines()
        assert lines == [
            f"error: {procedure}:{title_line}: phases[1].steps[0].title: must not be empty",
            f"error: {strategies}: strategies: needs at least 1 entry, has none",
        ], command


@pytest.mark.parametrize("pattern", ["x*", "(?i)", "^", r"\b"])
def test_a_redact_pattern_that_can_match_empty_text_is_refused(tmp_path, pattern):
    """`[redact] patterns = ["x*"]` was accepted: it matched empty text between every two
    characters, and `run` wrote `«redacted»w«redacted»e«redacted»b«redacted»` for `web`
    in the journal, then ended in an internal error (KeyError). One line, exit 2, from
    check-config and from every command, before anything is recorded."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    written = f"[redact]\npatterns = ['AKIA[0-9A-Z]{{16}}', '{pattern}']\n"
    (config / "console.toml").write_text(written)
    want = (
        f"error: {config / 'console.toml'}:2: redact.patterns[1]: {quoted(pattern)} can match"
        " empty text: every record would be masked between each two characters; make it"
        " match at least one character"
    )
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    checked = console("check-config", str(config), cwd=tmp_path, env=env)
    assert (checked.returncode, checked.stderr.splitlines()) == (2, [want])
    argv = ["run", "--config", str(config), "--systems", "web", "--strategy"]
    argv += ["version-rollback", "--trigger", "user-impact", "--reason", "r", "--yes"]
    ran = console(*argv, cwd=tmp_path, env=env)
    assert (ran.returncode, ran.stderr.splitlines()) == (2, [want])
    assert not list((tmp_path / "state").rglob("journal.jsonl"))


def test_an_unexpected_error_s_line_and_report_hold_no_secret(tmp_path, monkeypatch, capsys):
    """The report an internal error asks to be sent with a bug report held the command line
    as typed (`--param token=...`) and the error's own words, secrets and all; so did its
    line on stderr. Both are masked as the journal is, every `--param` value too."""
    from console.headless import dry_run

    secret = "zq7-Crash-Secret"
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("RB_CRASH_TOKEN", secret)
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    (config / "console.toml").write_text('[redact]\nenv = ["RB_CRASH_TOKEN"]\n')

    def broken(settings, request):
        raise RuntimeError(f"no check foresaw {request.reason}")

    monkeypatch.setattr(dry_run, "dry_run", broken)
    argv = ["run", "--config", str(config), "--systems", "web", "--strategy"]
    argv += ["version-rollback", "--trigger", "user-impact", "--dry-run"]
    argv += ["--param", "other=plain-words", "--reason", f"use {secret}"]
    monkeypatch.setattr(sys, "argv", ["rollback-console", *argv])  # as typed
    assert main(argv) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("error: internal error: RuntimeError: no check foresaw use «redacted»")
    (saved,) = (tmp_path / "state" / "crashes").iterdir()
    report = saved.read_text()
    assert secret not in report and "plain-words" not in report
    assert "--param other=«redacted» --reason use «redacted»" in report.splitlines()[0]
