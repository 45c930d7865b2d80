"""An Ansible host is reached through the ssh_config blocks Ansible's ssh would read.

Ansible gives ssh a host's `ansible_host` (`ssh ... 127.0.0.1`), so ssh_config's `Host`
patterns match that, not the inventory name. Walked at 1,000 hosts (helper-193): with
`Host web-1` and `Host 127.0.0.1` blocks in ~/.ssh/config, `ansible -m raw` reached
`web-1 ansible_host=127.0.0.1` on the port of `Host 127.0.0.1`, and `rollback-console
exec` on the port of `Host web-1`: another machine's sshd, with a ProxyJump there another
network's. Read in place or imported with import-ansible, the host is now dialled as
Ansible dials it, and check-config says where a block by its name no longer applies."""

from __future__ import annotations

import socket
import subprocess

import pytest

from console.engine.routes import BY_ALIAS
from tests.test_ansible_config import cli, config_with

pytestmark = pytest.mark.sshd


def _refused_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("imported", [False, True], ids=["read in place", "import-ansible"])
def test_an_ansible_host_follows_the_ssh_config_block_of_its_ansible_host(
    sshd_server, tmp_path, imported: bool
):
    server, key = sshd_server.server, sshd_server.client_key
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(
        f"Host web-1\n  Port {_refused_port()}\n\nHost 127.0.0.1\n  Port {server.port}\n"
    )
    # What Ansible's ssh connection is given for this host, asked of OpenSSH itself.
    said = subprocess.run(
        ["ssh", "-F", str(ssh_config), "-G", "127.0.0.1"], capture_output=True, text=True
    )
    assert f"port {server.port}" in said.stdout.splitlines(), said.stderr
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        "[web]\nweb-1 ansible_host=127.0.0.1\n\n[web:vars]\n"
        f"ansible_user={server.user}\nansible_ssh_private_key_file={key}\n"
    )
    ssh = {
        "use_ssh_config": True,
        "config_files": [str(ssh_config)],
        "known_hosts": str(sshd_server.known_hosts),
    }
    system = {"name": "web", "ansible": {"inventory": "../hosts.ini", "group": "web"}}
    directory = config_with(tmp_path, [system], ssh=ssh)
    if imported:
        standalone = tmp_path / "imported.toml"
        done = cli("import-ansible", str(inventory), "-o", str(standalone), tmp_path=tmp_path)
        assert done.returncode == 0, done.stderr
        assert 'ssh_alias = "127.0.0.1"' in standalone.read_text()
        text = (directory / "inventory.toml").read_text()
        head = text[: text.index("[[systems]]")]
        (directory / "inventory.toml").write_text(head + standalone.read_text())
    checked = cli("check-config", str(directory), tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stderr
    # The `Host web-1` block the console read before ssh_alias is said not to apply.
    assert f"warning: ssh_config for web-1: {BY_ALIAS}\n" in checked.stderr, checked.stderr
    result = cli(
        "exec", "--config", str(directory), "--systems", "web", "id -un", tmp_path=tmp_path
    )
    assert (result.returncode, result.stdout) == (0, f"web-1: {server.user}\n"), result.stderr
    assert server.accepted_connections() == 1


@pytest.mark.parametrize(
    ("blocks", "said"),
    [
        ("Host 10.0.0.*\n  User deploy\n", False),  # its alias's block: Ansible's reading
        ("Host *\n  User deploy\n", False),  # both readings agree
        ("Host web-1\n  User deploy\n", True),  # a block by its name, no longer applied
    ],
)
def test_check_config_says_only_where_a_block_by_the_name_no_longer_applies(
    tmp_path, blocks: str, said: bool
):
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(blocks)
    (tmp_path / "hosts.ini").write_text("[web]\nweb-1 ansible_host=10.0.0.5\n")
    system = {"name": "web", "ansible": {"inventory": "../hosts.ini", "group": "web"}}
    ssh = {"use_ssh_config": True, "config_files": [str(ssh_config)]}
    checked = cli("check-config", str(config_with(tmp_path, [system], ssh=ssh)), tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert (BY_ALIAS in checked.stderr) is said, checked.stderr
