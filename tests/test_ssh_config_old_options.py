"""An ssh_config that the installed ssh reads is read by every command: options ssh still
accepts, however old (`RSAAuthentication`, which ssh reads and calls unsupported, and
`KeepAlive`, TCPKeepAlive's old name), are never refused as unknown, nor said to be.

Seen: a ~/.ssh/config from an old guide, `RSAAuthentication yes` under `Host *`, which
`ssh -G` reads (exit 0): check-config warned 'rsaauthentication is not an ssh_config
option (did you mean GSSAPIAuthentication?); ignored (ssh refuses it)' for every host.
The list of what ssh knows was drawn from the words of /usr/bin/ssh, where the linker
keeps `rsaauthentication` and `keepalive` only as the tails of `rhostsrsaauthentication`
and `tcpkeepalive`; refusing what is not on it as ssh refuses an unknown option would
have refused every host of such a file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.console_process import console

OLD_OPTIONS = ["RSAAuthentication yes", "KeepAlive yes"]


@pytest.mark.parametrize("line", OLD_OPTIONS)
def test_an_option_the_installed_ssh_reads_is_not_refused(tmp_path: Path, line: str) -> None:
    config = tmp_path / "rollback"
    assert console("init", str(config)).returncode == 0
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(f"Host *\n  {line}\n  ServerAliveInterval 30\n")
    ssh = subprocess.run(
        ["ssh", "-F", str(ssh_config), "-G", "web-1"], capture_output=True, text=True, timeout=30
    )
    assert ssh.returncode == 0, ssh.stderr  # the user's ssh reads the file
    assert "Bad configuration option" not in ssh.stderr, ssh.stderr
    inventory = config / "inventory.toml"
    setting = f'config_files = ["{ssh_config}"]'
    inventory.write_text(inventory.read_text().replace("[ssh]\n", f"[ssh]\n{setting}\n", 1))

    checked = console("check-config", str(config))
    assert checked.returncode == 0, checked.stderr
    option = line.split()[0].lower()
    # neither refused nor said to be one ssh refuses: ssh reads it, and so does the console
    assert f"{ssh_config}:2:" not in checked.stderr, checked.stderr
    assert option not in checked.stderr.lower(), checked.stderr
    dry = console("exec", "--config", str(config), "--systems", "web", "--dry-run", "true")
    assert dry.returncode == 0, dry.stderr
    assert "web-1: " in dry.stdout, dry.stdout
