"""A user's ~/.ssh/config and an inventory that names hosts only, as a user whose hosts
ssh already reaches writes them: the tests of how hosts are reached through ssh_config."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli_ssh import config_dir


def ssh_home(tmp_path: Path, ssh_config: str) -> Path:
    """$HOME whose ~/.ssh/config holds `ssh_config`."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "config").write_text(ssh_config)
    return home


def via_bastion(bastion_port: int, target, key: Path, known: Path) -> str:
    """ssh_config: `app-*` on the sshd `target`, through `bastion` on 127.0.0.1."""
    return (
        f"Host bastion\n  HostName 127.0.0.1\n  Port {bastion_port}\n"
        f"Host app-*\n  HostName 127.0.0.1\n  Port {target.port}\n  ProxyJump bastion\n"
        f"Host *\n  User {target.user}\n  IdentityFile {key}\n  UserKnownHostsFile {known}\n"
    )


def named_only(tmp_path: Path, system: str = "app", host: str = "app-1", **ssh: float) -> Path:
    """A configuration whose one system has one host known by name alone (ssh_config
    says the rest); `ssh`: [ssh] settings besides."""
    inventory = {
        "ssh": {"config_files": ["~/.ssh/config"], **ssh},
        "systems": [
            {"name": system, "strategies": ["version-rollback"], "hosts": [{"name": host}]}
        ],
    }
    return config_dir(tmp_path, inventory)
