"""init's "Assess system state" on a real sshd host of a system that is neither `db` nor
a releases layout. Walked: init's configuration with a third system `cache` (a work
directory of plain files) recorded `release=` (blank) and `deployed_at=`, and printed
`! stat: cannot statx 'current': No such file or directory` and `! date: invalid date
'@'` on every run. It says what it can instead: no release there and why, what changed
last in the work directory and when, and that no unit is named for its service."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tomli_w

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.triggers import TriggerKind
from tests.events_factory import recorder_in
from tests.fleet_settings import chown_tree

pytestmark = pytest.mark.sshd


def _init_with(sshd_server, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """`init DIR`, its inventory's systems given hosts on the real sshd: web-1 (a
    releases layout), cache-1 (files only) and cache-2 (an empty work directory)."""
    config = tmp_path / "config"
    made = subprocess.run(
        [sys.executable, "-m", "console", "init", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
        check=False,
    )
    assert made.returncode == 0, made.stderr
    sandboxes = {h: sshd_server.sandbox(h) for h in ("web-1", "cache-1", "cache-2")}
    (sandboxes["web-1"] / "releases" / "2.4.1").mkdir(parents=True)
    (sandboxes["web-1"] / "current").symlink_to("releases/2.4.1")
    (sandboxes["cache-1"] / "cache.conf").write_text("size = 2g\n")
    for sandbox in sandboxes.values():
        (sandbox / "deploy.lock").touch()  # the halt's, made just before: not a change
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    inventory = tomllib.loads((config / "inventory.toml").read_text())
    port = sshd_server.server.port

    def hosts(*names: str) -> list[dict]:
        return [
            {"name": n, "address": "127.0.0.1", "port": port, "workdir": str(sandboxes[n])}
            for n in names
        ]

    web, db = inventory["systems"]
    web["hosts"], db["hosts"] = hosts("web-1"), []
    cache = {"name": "cache", "strategies": ["version-rollback"], "hosts": hosts("cache-1")}
    cache["hosts"] += hosts("cache-2")
    inventory["systems"] = [web, cache]
    inventory["ssh"] |= {
        "user": sshd_server.server.user,
        "identity_files": [str(sshd_server.client_key)],
        "known_hosts": str(sshd_server.known_hosts),
        "use_ssh_config": False,
    }
    (config / "inventory.toml").write_text(tomli_w.dumps(inventory))
    return config, sandboxes


async def test_the_assessment_says_what_it_can_of_a_system_without_releases(
    sshd_server, tmp_path: Path
) -> None:
    config, sandboxes = _init_with(sshd_server, tmp_path)
    settings = load_settings(config)
    pool = SshPool(settings.inventory.ssh)
    conductor = Conductor(settings, recorder_in(tmp_path / "incident"), pool)
    conductor.open_incident("assess", "inc-assess")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "walked")
    try:
        conductor.select(["web", "cache"])
        assert await conductor.run_step("assess-state")
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
    events = conductor.recorder.events
    said = [e for e in events if e.kind == Kind.COMMAND_OUTPUT and e.data.stream == "stderr"]
    assert not said, [e.data.lines for e in said]  # no `stat: cannot statx 'current'`
    [assessed] = [e for e in events if e.kind == Kind.ASSESSMENT_RECORDED]
    web, files, empty = (assessed.data.hosts[h] for h in ("web-1", "cache-1", "cache-2"))
    assert web["release"] == "2.4.1" and web["deployed_at"].endswith("Z"), web
    assert web["service"] == "unknown (no systemd on this host)", web
    changed = (sandboxes["cache-1"] / "cache.conf").stat().st_mtime
    at = datetime.fromtimestamp(int(changed), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert files == {
        "release": f"unknown (no current link in {sandboxes['cache-1']})",
        "last_change": f"{at} (cache.conf)",
        "service": "unknown (no unit named for this system in assess-state)",
    }, files
    assert empty["release"] == f"unknown (no current link in {sandboxes['cache-2']})", empty
    assert empty["last_change"] == f"unknown (nothing else in {sandboxes['cache-2']})", empty
    assert "deployed_at" not in files and "deployed_at" not in empty  # it dates no release
