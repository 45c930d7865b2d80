"""What README has a user start from: `init`'s configuration (config/example: probes, a
notification channel, strategy parameters), with the edits README asks for, its hosts on
loopback. bench/exec_instructions.py --example counts exec on it; tests/test_config_cache.py
runs it on a hit."""

from __future__ import annotations

from pathlib import Path

WEB = ("10.1.0.11", "10.1.0.12")  # web-1 and web-2's addresses, as config/example writes them


def point_example(config: Path, key: Path, known_hosts: Path, port: int) -> Path:
    """`config` (what `init` wrote) with its SSH defaults set (`known_hosts`, the key `key`,
    no ssh_config) and web's hosts at `port` on 127.0.0.1: exec and run on web reach them."""
    inventory = config / "inventory.toml"
    ssh = f'[ssh]\nknown_hosts = "{known_hosts}"\nidentity_files = ["{key}"]\n'
    text = inventory.read_text().replace("[ssh]\n", f"{ssh}use_ssh_config = false\n", 1)
    for address in WEB:
        text = text.replace(f'address = "{address}"', f'address = "127.0.0.1"\nport = {port}', 1)
    inventory.write_text(text)
    return config
