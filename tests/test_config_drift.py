"""A configuration file broken since the console started: the confirmation's notice says
check-config's own line, and to fix it before quitting (a console restarted on it would not
start); the console still runs what it read at start (console/engine/config_drift.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from console.engine.config_drift import Drift, differences
from console.model.loading import load_settings, read_files
from console.paths import demo_config
from tests.test_incident_custody import run_cli


def test_a_broken_edit_is_said_in_check_configs_line(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config)
    drift = Drift(config, read_files(config))
    assert drift.notice() == ("", "")
    strategies = config / "strategies.toml"
    text = strategies.read_text()
    assert text.count("max_fail_percentage = 34\n") == 1
    strategies.write_text(
        text.replace("max_fail_percentage = 34\n", 'max_fail_percentage = "lots"\n')
    )
    said = run_cli("check-config", str(config))
    assert said.startswith("2\nerror: "), said
    line = said.split("\n")[1].removeprefix("error: ")
    assert drift.notice() == (
        "strategies.toml broken since start: this runs what is shown.",
        "Changed since the console started: strategies.toml"
        ' (strategies.version-rollback.max_fail_percentage: 34 → "lots"). As they are now,'
        f" the files do not load: {line}; fix them before quitting (check-config says each"
        " problem).",
    )


OLD_KEY = "R0UTINGKEY0123456789ABCDEFGHIJKL"  # a PagerDuty routing key: 32 characters
NEW_KEY = "N3WR0UTINGKEY456789ABCDEFGHIJKLM"
PAGER = '\n[[channels]]\nname = "oncall"\nkind = "pagerduty"\nrouting_key = "{}"\n'


def test_a_changed_secret_is_said_changed_never_shown(tmp_path: Path) -> None:
    """Seen: a teammate replaced procedure.toml's PagerDuty routing key mid-incident; the
    confirmation read 'channels.oncall.routing_key: "R0UTINGKEY0123456789ABCDEFGHI… →
    "N3WR0UTINGKEY456789ABCDEFGHIJ…"' and the run's note put both, cut to 29 characters
    (so no longer the secret the journal masks), in the record. A secret is said
    changed, masked, on the screen and in the record alike."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config)
    procedure = config / "procedure.toml"
    text = procedure.read_text()
    procedure.write_text(text + PAGER.format(OLD_KEY))
    (config / "console.toml").write_text('[redact]\nvalues = ["Pw-4f9c2e77"]\n')
    drift = Drift(config, read_files(config))
    procedure.write_text(text + PAGER.format(NEW_KEY))
    (config / "console.toml").write_text('[redact]\nvalues = ["Qx-8d1b3a55"]\n')
    strategies = config / "strategies.toml"  # a value that holds the new key: masked too
    ours = strategies.read_text()
    assert ours.count('default = "registry.demo/db"') == 1
    strategies.write_text(ours.replace("registry.demo/db", f"reg/{NEW_KEY}"))
    said = " ".join(drift.notice())
    # said as a resume says it (test_config_secrets_sshd), as is console.toml's
    assert "channels.oncall.routing_key: secret changed" in said, said
    assert "redact.values: secret changed" in said, said
    assert '"registry.demo/db" → "reg/«redacted»"' in said, said
    for key in (OLD_KEY, NEW_KEY, "Pw-4f9c2e77", "Qx-8d1b3a55"):
        assert key[:8] not in said, said
    # broken now (its new key unknown to any loaded configuration): masked all the same
    procedure.write_text(text + PAGER.format(NEW_KEY) + 'retries = "lots"\n')
    said = " ".join(drift.notice())
    assert "do not load" in said and NEW_KEY[:8] not in said, said


def test_a_changed_step_command_is_said_by_its_phase_and_step(tmp_path: Path) -> None:
    """Seen at 80x24 on a real sshd fleet: a teammate edited the halt step's command in
    procedure.toml; the notice read 'procedure.toml (phases changed)', naming neither the
    step nor the command. Phases are named by `phase`, steps by `id`, as strategies by
    `name`."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config)
    procedure = config / "procedure.toml"
    text = procedure.read_text()
    drift = Drift(config, read_files(config))
    step = 'id = "halt-delivery"'
    assert text.count(step) == 1
    command = text.split(step, 1)[1].split("command = ", 1)[1].split("\n", 1)[0]
    procedure.write_text(text.replace(f"command = {command}", "command = 'touch x'", 1))
    said = " ".join(drift.notice())
    assert "procedure.toml (phases.execution.steps.halt-delivery.command: " in said, said
    assert "phases changed" not in said, said


def test_a_long_value_is_said_where_it_differs() -> None:
    """Seen at 80x24: a status channel's command moved from sent.log to sent2.log read
    '"echo {{message}} >> /tmp/h25… → "echo {{message}} >> /tmp/h25…', alike."""
    before, after = (f"echo {{{{message}}}} >> /tmp/h252/walk/{n}.log" for n in ("sent", "sent2"))
    assert differences({"c": before}, {"c": after}) == ['c: …/walk/sent.log" → …/walk/sent2.log"']


def test_drills_are_not_read_again_over_an_edited_ansible_inventory(tmp_path: Path) -> None:
    """drills.toml read again mid-incident gave the console settings whose hosts were the
    Ansible inventory's as edited since start: the hosts shown at start no longer what
    runs. It is not used then, and says why."""
    from console.ui.drills_file import DrillsFile
    from tests.test_ansible_config import config_with

    hosts = tmp_path / "hosts.ini"
    hosts.write_text("[web]\nweb-1 ansible_host=10.0.0.1\n")
    system = {"name": "web", "ansible": {"inventory": "../hosts.ini", "group": "web"}}
    config = config_with(tmp_path, [system])
    settings = load_settings(config)
    drills = DrillsFile(config, settings.files_read, settings.ansible_read)
    hosts.write_text("[web]\nweb-1 ansible_host=10.0.0.9\n")
    scenario = "[[scenarios]]\nname = 'x'\nsystems = ['web']\nstrategy = 'version-rollback'\n"
    scenario += "trigger = 'error-threshold'\n"
    (config / "drills.toml").write_text(scenario)
    assert drills.look() is None
    assert drills.problem.startswith(
        "drills.toml changed since the console started, and ../hosts.ini too"
    ), drills.problem
