"""init's configuration on test_example_on_sshd's real sshd fleet (web-1, web-2), with a
strategy of the user's own appended to strategies.toml and offered on `web`, and `run`
of it headless, as a user walks it from README.md."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.console_process import console
from tests.hooks import OK, HookServer
from tests.test_example_on_sshd import _point_at_fleet


def init_with(fleet, hooks: HookServer, tmp_path: Path, strategy: str) -> tuple[Path, dict]:
    """The configuration directory and the environment to run it with (`strategy`: a
    `[[strategies]]` table in TOML, named `flip-release`; none: init's alone)."""
    server, key, known_hosts, trees, _shims = fleet
    env = {
        **os.environ,
        "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state"),
        "SLACK_WEBHOOK_URL": hooks.on("/services/T0/B0/X", OK),
    }
    config = tmp_path / "mine"
    assert console("init", str(config), env=env, cwd=tmp_path).returncode == 0
    _point_at_fleet(config, server, key, known_hosts, trees)
    if not strategy:
        return config, env
    with (config / "strategies.toml").open("a") as strategies:
        strategies.write(strategy)
    inventory = config / "inventory.toml"
    inventory.write_text(
        inventory.read_text().replace(
            'strategies = ["version-rollback"]',
            'strategies = ["version-rollback", "flip-release"]',
            1,
        )
    )
    return config, env


def run_flip(config: Path, env: dict) -> tuple[subprocess.CompletedProcess[str], str]:
    """`run` of flip-release on web, every step confirmed; and its journal."""
    run = ["run", "--config", str(config), "--systems", "web", "--strategy", "flip-release"]
    done = console(*run, "--trigger", "user-impact", "--reason", "x", "--yes", env=env)
    found = re.search(r"journal (\S+)", done.stdout.splitlines()[-1] if done.stdout else "")
    return done, found.group(1) if found else ""
