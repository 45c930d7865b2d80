"""A configuration file broken since the console started: the confirmation's notice says
check-config's own line, and to fix it before quitting (a console restarted on it would not
start); the console still runs what it read at start (console/ui/config_drift.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from console.model.loading import read_files
from console.paths import demo_config
from console.ui.config_drift import Drift
from tests.test_incident_custody import run_cli


def test_a_broken_edit_is_said_in_check_configs_line(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config)
    drift = Drift(config, read_files(config))
    assert drift.said() == ""
    strategies = config / "strategies.toml"
    text = strategies.read_text()
    assert text.count("max_fail_percentage = 34\n") == 1
    strategies.write_text(
        text.replace("max_fail_percentage = 34\n", 'max_fail_percentage = "lots"\n')
    )
    said = run_cli("check-config", str(config))
    assert said.startswith("2\nerror: "), said
    line = said.split("\n")[1].removeprefix("error: ")
    assert drift.said() == (
        "Changed since the console started: strategies.toml"
        ' (strategies.version-rollback.max_fail_percentage: 34 → "lots"). As they are now,'
        f" the files do not load: {line}. This runs what the console read at start, as"
        " shown here; fix them before quitting (check-config says each problem)."
    )
