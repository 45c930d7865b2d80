"""Walked at 80x24 on `rollback-console init`'s configuration (helper-124): the db system's
orders-pitr chosen in the picker, Tab to recovery_target_time scrolled its field to the
side pane's foot, under the docked "▼ more below" line, and the time was typed unseen. The
field Tab reaches is scrolled clear of that line. In tmux, as a user types it, the db host
a real sshd (the picker checks it as it opens: its answer takes the pane's lines)."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_ui_terminal import Tmux

pytestmark = [pytest.mark.tmux, pytest.mark.sshd]

WHEN = "2026-12-04T20:25:48Z"


def _walked_config(config: Path, sshd) -> None:
    """init's configuration, edited as walked: the db system alone on one reachable host,
    a cluster of the login user's on a loopback port (pg_ctl: no start or stop set)."""
    subprocess.run([sys.executable, "-m", "console", "init", str(config)], check=True, timeout=60)
    inventory = config / "inventory.toml"
    text = inventory.read_text()
    db = text[text.index('[[systems]]\nname = "db"') :]
    db = db.replace('address = "10.1.0.21"', f'address = "127.0.0.1"\nport = {sshd.server.port}')
    db = db.replace('user = "postgres"', f'user = "{sshd.account.name}"')
    inventory.write_text(
        f'[ssh]\nidentity_files = ["{sshd.client_key}"]\nknown_hosts = "{sshd.known_hosts}"\n'
        f"use_ssh_config = false\n\n{db}"
    )
    strategies = config / "strategies.toml"
    kept = [
        line
        for line in strategies.read_text().splitlines(keepends=True)
        if not line.lstrip().startswith(('{ name = "start"', '{ name = "stop"'))
    ]
    strategies.write_text(
        "".join(kept).replace(
            '{ name = "database", default = "orders" },',
            '{ name = "database", default = "shop" },\n'
            '  { name = "pg_host", default = "127.0.0.1" },\n'
            '  { name = "pg_port", default = "55124" },',
        )
    )


def _focused(screen: str) -> str:
    """The picker's line naming the parameter the focus is on ('' before any)."""
    return next((line for line in screen.splitlines() if "▸ Parameter" in line), "")


def _tab_to(tmux: Tmux, name: str) -> None:
    """Tab until the focus is on parameter `name`, each Tab once the last one has moved
    it (Tabs sent ahead of a loaded console went past it)."""
    for _ in range(20):
        screen = tmux.screen()
        if f"▸ Parameter {name} " in screen:
            return
        before = _focused(screen)
        tmux.keys("Tab")
        for _ in range(100):
            if _focused(tmux.screen()) != before:
                break
            time.sleep(0.1)
    tmux.wait_for(f"▸ Parameter {name} ")


def test_the_parameter_tabbed_to_is_seen_as_it_is_typed(tmp_path: Path, sshd_server) -> None:
    config = tmp_path / "config"
    _walked_config(config, sshd_server)
    program = f"{shlex.quote(sys.executable)} -m console --config {shlex.quote(str(config))}"
    tmux = Tmux(tmp_path)
    try:
        tmux.start(f"{program}; sleep 60")
        tmux.wait_for("declare a new incident")
        tmux.keys("n")
        tmux.wait_for("Declare the rollback trigger")
        tmux.keys("Down", "Enter")
        tmux.type("orders deleted")
        tmux.keys("Enter")
        tmux.wait_for("Pick the affected systems")
        tmux.keys("Space")
        tmux.wait_for("1 up")
        tmux.keys("Tab", "Down", "Down", "Space")
        tmux.wait_for("orders-pitr")
        _tab_to(tmux, "backup")  # another one typed in its place
        tmux.keys("C-u")
        tmux.type("/srv/backups/fresh4")
        tmux.wait_for("/srv/backups/fresh4")
        tmux.keys("Up")  # the pane a line up, to read the backup's help again (as walked)
        _tab_to(tmux, "recovery_target_time")  # the archive's default kept
        tmux.type(WHEN)
        screen = tmux.wait_for("Parameter recovery_target_time")
        assert WHEN in screen, screen
    finally:
        tmux.kill()
