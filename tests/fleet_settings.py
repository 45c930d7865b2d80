"""Settings that point the demo configuration at real sshd servers."""

import os
import shutil
from pathlib import Path

import tomli_w

from console.demo.sandbox import build_sandbox
from console.model.loading import load_settings
from console.model.settings import Settings
from console.paths import demo_config


def chown_tree(root: Path, uid: int, gid: int) -> None:
    for path in [root, *root.rglob("*")]:
        os.lchown(path, uid, gid)


def sshd_settings(sshd, hosts: dict[str, str], **ssh) -> tuple[Settings, dict[str, Path]]:
    """Demo settings whose `hosts` ({name: system}) all live on one real sshd, one sandbox each."""
    base = load_settings(demo_config())
    sandboxes = {}
    systems = []
    for system in base.inventory.systems:
        members = [h for h, s in hosts.items() if s == system.name]
        if not members:
            continue
        entries = []
        for name in members:
            sandbox = build_sandbox(sshd.sandbox(name), system.name)
            chown_tree(sandbox, sshd.account.uid, sshd.account.gid)
            sandboxes[name] = sandbox
            entries.append(
                {
                    "name": name,
                    "address": "127.0.0.1",
                    "port": sshd.server.port,
                    "workdir": str(sandbox),
                }
            )
        systems.append({**system.dumped(), "hosts": entries})
    data = base.dumped()
    data["inventory"] = {
        "ssh": {
            "user": sshd.server.user,
            "identity_files": [str(sshd.client_key)],
            "known_hosts": str(sshd.known_hosts),
            "use_ssh_config": False,
            "command_timeout": 30.0,
            **ssh,
        },
        "systems": systems,
    }
    included = {s["name"] for s in systems}
    data["drills"] = {}  # the demo's scenarios name hosts this fleet does not have
    if "triggers" in data:
        data["triggers"]["triggers"] = [
            t for t in data["triggers"]["triggers"] if t["system"] in included
        ]
    return Settings.validated(data), sandboxes


def write_config(directory: Path, settings: Settings, **console) -> Path:
    """`settings` as a configuration directory, as a user would write it: the demo's
    procedure and strategies files, and inventory, triggers and console.toml from the
    settings (console.toml's keys from `console`)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("procedure.toml", "strategies.toml"):
        shutil.copy(demo_config() / name, directory / name)
    parts = {
        "inventory.toml": settings.inventory.dumped(mode="json", exclude_none=True),
        "triggers.toml": settings.dumped(mode="json", exclude_none=True)["triggers"],
        "console.toml": {k: str(v) for k, v in console.items()},
    }
    for name, data in parts.items():
        (directory / name).write_text(tomli_w.dumps(data), encoding="utf-8")
    load_settings(directory)  # as check-config would: it must load
    return directory
