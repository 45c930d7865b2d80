"""check-config and known_hosts: a host whose key is recorded only under its address (the
inventory names it) or only under its name (the inventory gives the address) will not
find it at connect time, as ssh does not; check-config says so in one line, and what it
says is what `exec` then does on a real sshd."""

from __future__ import annotations

import subprocess

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


@pytest.mark.sshd
def test_a_key_recorded_on_another_port_names_the_port_as_written(sshd_server, tmp_path):
    """Walked as a new user (helper 230): web-1's port mistyped (its key recorded on the
    right one) read 'no host key recorded for it ...: ssh-keyscan -p <typo> 127.0.0.1',
    a scan that fetches nothing; it names the port, its line and the port recorded. And
    a host behind a jump host given as `user@host:port` was to be scanned through `ssh
    127.0.0.1`, which dials port 22: the jump host's user and port are said."""
    server = sshd_server.server
    known = tmp_path / "known_hosts"
    known.write_text(server.known_hosts_line() + "\n")
    base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", known)
    path = tmp_path / "config" / "inventory.toml"
    typo = server.port + 1 if server.port < 65535 else server.port - 1
    jump = f"{server.user}@127.0.0.1:{typo}"  # its own line too, as the jump host's
    path.write_text(
        f'[ssh]\nuse_ssh_config = false\nuser = "{server.user}"\nknown_hosts = "{known}"\n\n'
        '[[systems]]\nname = "web"\n\n'
        f'[[systems.hosts]]\nname = "web-1"\naddress = "127.0.0.1"\nport = {typo}\n\n'
        f'[[systems.hosts]]\nname = "web-2"\naddress = "10.9.9.9"\njump_host = "{jump}"\n'
    )
    line = path.read_text().splitlines().index(f"port = {typo}") + 1

    checked = cli("check-config", base[2], home=tmp_path, state=tmp_path / "state")

    assert checked.returncode == 0, checked.stderr
    warned = [x for x in checked.stderr.splitlines() if "known_hosts" in x]
    assert warned[0] == (
        f"warning: web-1: no host key recorded for 127.0.0.1 on port {typo} ({path}:{line}:"
        f" port = {typo}), but on port {server.port}, which no host here dials: exec, run"
        f" and drill refuse it as unknown, or find nothing listening; if {typo} is mistyped,"
        " correct it there; if it is right, fetch its key and compare first"
        f" (docs/quickstart.md, step 3: ssh-keyscan -p {typo} 127.0.0.1 >> {known})"
    ), checked.stderr
    assert warned[-1] == (
        f"    ssh -p {typo} {server.user}@127.0.0.1 ssh-keyscan 10.9.9.9 >> {known}"
    ), checked.stderr


@pytest.mark.sshd
def test_the_keyscan_it_gives_records_the_key_where_known_hosts_has_a_space(sshd_server, tmp_path):
    """The ssh-keyscan line check-config gives is pasted whole into a shell: a known_hosts
    path with a space in it went unquoted, so the key went elsewhere and exec still found
    the host unknown."""
    known = tmp_path / "my keys" / "known_hosts"
    known.parent.mkdir()
    base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", known)
    home, state = tmp_path, tmp_path / "state"
    checked = cli("check-config", base[2], home=home, state=state)
    [scan] = [line.strip() for line in checked.stderr.splitlines() if "ssh-keyscan" in line]

    pasted = subprocess.run(["sh", "-c", scan], capture_output=True, text=True, timeout=60)

    assert pasted.returncode == 0, pasted.stderr
    ran = cli(*base, "true", home=home, state=state)
    assert ran.returncode == 0, ran.stderr
