"""check-config: every broken configuration gets one readable line and exit 2."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from console.paths import demo_config

BROKEN = {
    "unknown key in a host": (
        "inventory.toml",
        ('name = "web-1"', 'name = "web-1"\nprot = 2222'),
        "inventory.toml:",
        "systems[0].hosts[0].prot: unknown key",
    ),
    "port out of range": (
        "inventory.toml",
        ("command_timeout = 60.0", "command_timeout = 60.0\nport = 70000"),
        "inventory.toml:",
        "ssh.port: Input should be less than or equal to 65535",
    ),
    "unknown strategy kind": (
        "strategies.toml",
        ('kind = "version-rollback"', 'kind = "rollforward"'),
        "strategies.toml:",
        "strategies[0].kind: Input should be",
    ),
    "undeclared template parameter": (
        "strategies.toml",
        ("target={{target}}", "target={{tagret}}"),
        "strategies.toml:",
        "strategies[0]: commands.action uses undeclared parameter(s): tagret",
    ),
    "phase out of order": (
        "procedure.toml",
        ('phase = "immediate"', 'phase = "post"'),
        "procedure.toml:",
        "phases: phases must be immediate, execution, post in that order",
    ),
    "command step without command": (
        "procedure.toml",
        ("command = 'date -u", "comand = 'date -u"),
        "procedure.toml:",
        "unknown key",
    ),
    "not TOML at all": (
        "procedure.toml",
        ('name = "Demo storefront rollback"', "name = = broken"),
        "procedure.toml:",
        "is not valid TOML",
    ),
    "system names an unknown strategy": (
        "inventory.toml",
        ('strategies = ["version-rollback"]', 'strategies = ["version-rollbak"]'),
        "inventory.toml:",
        "unknown strategy 'version-rollbak'",
    ),
}


def _check(directory: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", "check-config", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_demo_configuration_is_valid():
    result = _check(demo_config())
    assert result.returncode == 0, result.stderr
    assert "ok: 3 systems" in result.stdout


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_configuration_names_file_and_key(case, tmp_path):
    filename, (old, new), where, message = BROKEN[case]
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config)
    text = (config / filename).read_text()
    assert old in text, f"fixture drift: {old!r} not in {filename}"
    (config / filename).write_text(text.replace(old, new, 1))
    result = _check(config)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert where in result.stderr and message in result.stderr, result.stderr
    assert str(config / filename) in result.stderr


def test_a_missing_directory_is_a_usage_error(tmp_path):
    result = _check(tmp_path / "nowhere")
    assert result.returncode == 2
    assert "is not a directory" in result.stderr and "Traceback" not in result.stderr


def test_init_writes_a_starter_configuration_that_validates(tmp_path):
    target = tmp_path / "mine"
    result = subprocess.run(
        [sys.executable, "-m", "console", "init", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert _check(target).returncode == 0
    again = subprocess.run(
        [sys.executable, "-m", "console", "init", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 2 and "would overwrite" in again.stderr
