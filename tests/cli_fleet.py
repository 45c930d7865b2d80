"""A configuration directory written as the README says, for hosts on one real sshd, and
the command line run on it as a user would (`python -m console ... --config DIR`)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import tomli_w

from tests.fleet_settings import chown_tree

if TYPE_CHECKING:
    from console.engine.conductor import Conductor

HOSTS = ("app-1", "app-2")


@dataclass
class Fleet:
    config: Path
    state: Path
    sandboxes: dict[str, Path]
    env: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str, text: bool = True) -> subprocess.CompletedProcess:
        env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(self.state), **self.env}
        return subprocess.run(
            [sys.executable, "-m", "console", *args, "--config", str(self.config)],
            capture_output=True,
            text=text,
            timeout=120,
            env=env,
        )

    def started(self, *args: str) -> subprocess.Popen[str]:
        """The command line running, its output a line at a time on `stdout`."""
        env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(self.state), "PYTHONUNBUFFERED": "1"}
        argv = [sys.executable, "-m", "console", *args, "--config", str(self.config)]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env={**env, **self.env})

    def written(self, name: str) -> dict[str, str]:
        """What each host holds in `name`, read back from its work directory."""
        return {h: (s / name).read_text() for h, s in self.sandboxes.items()}


def write_fleet(
    sshd_server,
    root: Path,
    files: dict[str, dict],
    *,
    strategies: list[str],
    probes: list[dict],
    env: dict[str, str] | None = None,
    hosts: Sequence[str] = HOSTS,
) -> Fleet:
    """`files` (strategies.toml, procedure.toml, ... as data) plus an inventory of one
    system `app` whose `hosts` are sandboxes on the real sshd."""
    config = root / "config"
    config.mkdir()
    sandboxes = {h: sshd_server.sandbox(h) for h in hosts}
    for sandbox in sandboxes.values():
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    inventory = {
        "ssh": {
            "user": sshd_server.server.user,
            "identity_files": [str(sshd_server.client_key)],
            "known_hosts": str(sshd_server.known_hosts),
            "use_ssh_config": False,
            "command_timeout": 30.0,
        },
        "systems": [
            {
                "name": "app",
                "strategies": strategies,
                "rto_minutes": 15,
                "hosts": [
                    {"name": h, "address": "127.0.0.1", "port": sshd_server.server.port}
                    | {"workdir": str(s)}
                    for h, s in sandboxes.items()
                ],
                "probes": probes,
            }
        ],
    }
    for name, data in {"inventory.toml": inventory, **files}.items():
        (config / name).write_text(tomli_w.dumps(data))
    return Fleet(config, root / "state", sandboxes, env or {})


# A verify of the link alone (and `check`), for the tests of what V does with a host it
# finds changed: the preset's own also fails while the restart the session's loss cut
# off is owed (test_lost_mid_change).
LINK_VERIFY = {
    "commands": {
        "verify": 'test "$(readlink current)" = "releases/$(cat .rollback/release-target)"'
        " && sh -c {{check}}"
    }
}

# The flag presets' parameters, and a checklist whose strategy step is `restore`.
FLAG_PARAMS = [
    {"name": "flags", "default": "new_checkout"},
    {"name": "flags_file", "default": "flags"},
]


def reenable_strategies(*params: dict[str, str]) -> dict:
    """strategies.toml: a gradual re-enable named reenable, preset file, on `flags`, with
    `params` besides."""
    strategy = {"name": "reenable", "kind": "feature-reenable", "preset": "file"}
    return {"strategies": [{**strategy, "params": [*FLAG_PARAMS, *params]}]}


FLAG_PROCEDURE = {
    "name": "Flag rollback",
    "phases": [
        {"phase": "immediate", "steps": [{"id": "bridge", "title": "Bridge", "kind": "manual"}]},
        {
            "phase": "execution",
            "steps": [{"id": "restore", "title": "Restore", "kind": "strategy"}],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Doc", "kind": "form", "fields": ["reason"]}],
        },
    ],
}


def flag_fleet(
    sshd_server,
    root: Path,
    files: dict[str, dict],
    strategies: list[str],
    flags: str,
    probes: list[dict] | None = None,
) -> Fleet:
    """A fleet whose hosts each hold a `flags` file of `name=percent` lines, the file
    presets' (owned by the login account, as on a real host)."""
    fleet = write_fleet(sshd_server, root, files, strategies=strategies, probes=probes or [])
    for sandbox in fleet.sandboxes.values():
        (sandbox / "flags").write_text(flags)
        os.chown(sandbox / "flags", sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def run_off(fleet: Fleet) -> subprocess.CompletedProcess:
    """`run` of the toggle-off `off` on `app`, headless, every step confirmed."""
    return fleet.cli(
        "run", "--systems", "app", "--strategy", "off", "--trigger", "user-impact",
        "--reason", "checkout broken", "--yes",
    )  # fmt: skip


@contextlib.asynccontextmanager
async def flag_incident(
    fleet: Fleet, strategy: str = "off", incident_id: str = "inc"
) -> AsyncIterator[Conductor]:
    """An incident on `app` with `strategy` chosen, its engine closed after (`incident_id`:
    one the command line finds by its id needs an id's form, 20261205-053000-beef)."""
    from console.engine.session import Engine
    from console.model.loading import load_settings
    from console.model.triggers import TriggerKind

    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.new_incident("flags", incident_id=incident_id, systems=["app"])
    try:
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout broken")
        conductor.select(["app"])
        conductor.choose_strategy(strategy, {})
        yield conductor
    finally:
        await engine.close()
        conductor.recorder.close()


# A custom strategy that writes a release marker, and a checklist around given execution
# steps (a manual step before them, a one-field form after): the tests of how a walk is
# said and recorded need no more.
FLIP = {
    "name": "flip",
    "kind": "custom",
    "commands": {"action": "echo 2.4.0 > release", "verify": "grep -q 2.4.0 release"},
}


def checklist(*execution: dict) -> dict:
    """procedure.toml: a bridge to confirm, `execution`, then a form asking the reason."""
    bridge = {"id": "bridge", "title": "Bridge", "kind": "manual"}
    doc = {"id": "doc", "title": "Doc", "kind": "form", "fields": ["reason"]}
    return {
        "name": "Release rollback",
        "phases": [
            {"phase": "immediate", "steps": [bridge]},
            {"phase": "execution", "steps": list(execution)},
            {"phase": "post", "steps": [doc]},
        ],
    }
