"""A configuration's hosts recorded in a known_hosts file of its own, for the tests of
check-config whose subject is something else: a host no known_hosts file records is a
warning of its own (console/engine/key_names.py; tests/test_cli_ssh.py asserts it on a
real sshd), and the tests' hosts are never connected to."""

from __future__ import annotations

import re
from pathlib import Path

# Any well-formed key: these hosts are never connected to.
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIElAt0G5smK2hO5c/BpMfo1BL6s7NT/i+3K6i4aeVrcB"


def keys_recorded(config: Path) -> Path:
    """`config`'s inventory reads known_hosts beside it ([ssh] known_hosts), which records
    a key for every host and jump host under the name it is looked up by; its path."""
    from console.engine.routes import routes
    from console.model.loading import load_inventory

    known = config / "known_hosts"
    inventory = config / "inventory.toml"
    text = inventory.read_text()
    said = f'known_hosts = "{known}"'
    # in place of init's commented line (the lines below it keep their numbers), else
    # the first of [ssh]
    if re.search(r"^# known_hosts = .*$", text, re.M):
        text = re.sub(r"^# known_hosts = .*$", lambda _: said, text, count=1, flags=re.M)
    elif re.search(r"^\[ssh\]\n", text, re.M):
        text = re.sub(r"^\[ssh\]\n", lambda _: f"[ssh]\n{said}\n", text, count=1, flags=re.M)
    else:
        text = f"[ssh]\n{said}\n\n{text}"
    inventory.write_text(text)
    read = load_inventory(config)
    assert read is not None, f"{inventory} does not load"
    found = routes(read.inventory, read.inventory.host_names)
    names = {
        dest.key_name
        for route in found
        if route.dest is not None
        for dest in (*route.dest.hops, route.dest)
    }
    known.write_text("".join(f"{name} {KEY}\n" for name in sorted(names)))
    return known
