"""check-config and known_hosts: a host whose key is recorded only under its address (the
inventory names it) or only under its name (the inventory gives the address) will not
find it at connect time, as ssh does not; check-config says so in one line, and what it
says is what `exec` then does on a real sshd."""

from __future__ import annotations

import pytest

from console.engine.key_names import misplaced_keys
from console.engine.routes import routes
from console.model.inventory import Inventory
from tests.test_cli_ssh import cli, exec_on_one_host, fingerprint_of


def key_line(sshd_server, name: str) -> str:
    """The server's host key recorded for `name` on its port, as ssh-keyscan writes it."""
    server = sshd_server.server
    return server.known_hosts_line().replace(f"[127.0.0.1]:{server.port}", name, 1) + "\n"


@pytest.mark.sshd
@pytest.mark.parametrize(
    ("address", "recorded", "why"),
    [
        ("localhost", "127.0.0.1", "the address localhost resolves to"),
        ("127.0.0.1", "localhost", "the name 127.0.0.1 resolves back to"),
    ],
)
def test_a_key_recorded_under_the_other_form_is_warned_of(
    sshd_server, tmp_path, address, recorded, why
):
    port = sshd_server.server.port
    known = tmp_path / "known_hosts"
    known.write_text(key_line(sshd_server, f"[{recorded}]:{port}"))
    base = exec_on_one_host(sshd_server, tmp_path, address, known)
    config = base[2]
    home, state = tmp_path, tmp_path / "state"

    checked = cli("check-config", config, home=home, state=state)

    assert checked.returncode == 0, checked.stderr
    warned = [line for line in checked.stderr.splitlines() if "known_hosts" in line]
    assert warned == [
        f"warning: web-1: its host key is in {known} under [{recorded}]:{port} ({why}) only,"
        f" not [{address}]:{port}: ssh and the console look a key up by the name as given,"
        " so exec, run and drill refuse it as unknown (the console asks);"
        f" record it under [{address}]:{port}"
    ], checked.stderr
    unknown = cli(*base, "true", home=home, state=state)
    assert unknown.returncode == 1 and "host key unknown" in unknown.stderr

    real = fingerprint_of(sshd_server.server.host_key_path.with_name("host_ed25519.pub"))
    accepted = cli(*base, "--accept-host-key", f"web-1={real}", "true", home=home, state=state)
    assert accepted.returncode == 0, accepted.stderr
    again = cli("check-config", config, home=home, state=state)
    assert again.returncode == 0 and "known_hosts" not in again.stderr, again.stderr


def test_a_jump_host_is_named_once_for_the_hosts_behind_it(tmp_path):
    """Two hosts behind jump host localhost:2200, whose key is recorded for 127.0.0.1:
    one line, naming the jump host; the hosts' own keys, under their names, are found."""
    known = tmp_path / "known_hosts"
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    known.write_text(f"[127.0.0.1]:2200 {key}\napp-1,app-2 {key}\n")
    inventory = Inventory.validated(
        {
            "ssh": {"use_ssh_config": False, "known_hosts": str(known)},
            "systems": [
                {
                    "name": "app",
                    "jump_host": "ops@localhost:2200",
                    "hosts": [{"name": "app-1"}, {"name": "app-2"}],
                }
            ],
        }
    )

    lines = misplaced_keys(routes(inventory, ["app-1", "app-2"]))

    assert lines == [
        f"app-1's jump host localhost: its host key is in {known} under [127.0.0.1]:2200 (the"
        " address localhost resolves to) only, not [localhost]:2200: ssh and the console look"
        " a key up by the name as given, so exec, run and drill refuse it as unknown (the"
        " console asks); record it under [localhost]:2200"
    ]
