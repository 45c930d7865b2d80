"""Hosts behind a bastion reached by ProxyCommand (`ssh -W %h:%p bastion`): each handshake
is one more login on the bastion, whose sshd drops logins past its MaxStartups (OpenSSH's
default 10:30:100: at random once 10 are pending). Walked on real sshd (helper-262,
bench/bastion.py): with every host dialled at once (max_handshakes, 200), 4 of 30 hosts
read 'FAILED (unreachable): proxy command ... ended (exit status 255) before the SSH banner
..., saying 'kex_exchange_identification: read: Connection reset by peer ...'', at random,
nothing naming the bastion's limit; a jump_host (one login, its channels) lost none.
Handshakes through proxy commands are now `max_proxy_handshakes` at once (10 unless set),
and a drop names the bastion's MaxStartups and the key to lower."""

from __future__ import annotations

import socket

import pytest

from tests import sshd as sshd_mod
from tests.ssh_homes import ssh_home
from tests.test_cli_ssh import cli, config_dir

pytestmark = pytest.mark.sshd
HOSTS = [f"svc-{i}" for i in range(1, 7)]


def test_proxied_handshakes_stay_within_the_bastions_max_startups(
    sshd_server, sshd_account, tmp_path
):
    target, key = sshd_server.server, sshd_server.client_key
    bastion = sshd_mod.start_sshd(  # drops every login past 3 pending (the last line wins)
        tmp_path / "bastion",
        sshd_account,
        extra_config="MaxStartups 3:100:3",
        authorized_keys=[sshd_server.client_public_key],
    )
    try:
        known = sshd_mod.write_known_hosts(tmp_path / "bastion_known_hosts", [bastion])
        home = ssh_home(
            tmp_path,
            f"Host svc-*\n  HostName 127.0.0.1\n  Port {target.port}\n  User {target.user}\n"
            f"  IdentityFile {key}\n  UserKnownHostsFile {sshd_server.known_hosts}\n"
            f"  ProxyCommand ssh -F /dev/null -i {key} -o BatchMode=yes"
            f" -o UserKnownHostsFile={known} -p {bastion.port} -l %r -W %h:%p 127.0.0.1\n",
        )
        ssh = {"config_files": ["~/.ssh/config"], "max_proxy_handshakes": 2}
        system = {"name": "svc", "strategies": ["version-rollback"]}
        system["hosts"] = [{"name": h} for h in HOSTS]
        directory = config_dir(tmp_path, {"ssh": ssh, "systems": [system]})
        args = ["exec", "--config", str(directory), "--systems", "svc", "true"]
        result = cli(*args, home=home, state=tmp_path / "state")
        assert result.returncode == 0, result.stderr  # main: 3 to 5 of the 6 dropped

        pending = [socket.create_connection(("127.0.0.1", bastion.port)) for _ in range(3)]
        try:  # the bastion full: every login dropped, said with its cause and its fix
            for sock in pending:
                assert sock.recv(64).startswith(b"SSH-2.0-")
            result = cli(*args, home=home, state=tmp_path / "state")
        finally:
            for sock in pending:
                sock.close()
        assert result.returncode == 1, result.stderr
        line = next(ln for ln in result.stderr.splitlines() if ln.startswith("svc-1: "))
        assert line.startswith(
            "svc-1: FAILED (unreachable): its bastion dropped the login of its proxy command,"
            " nothing sent: sshd drops logins past its MaxStartups (OpenSSH's default"
            " 10:30:100: at random once 10 are pending); up to 2 handshakes go through proxy"
            " commands at once: lower max_proxy_handshakes in inventory.toml's [ssh], or raise"
            " MaxStartups on the bastion (proxy command `ssh -F /dev/null"
        ), line
        assert "ended (exit status 255) before the SSH banner of 127.0.0.1:" in line, line
        assert "saying 'kex_exchange_identification: " in line, line
    finally:
        bastion.stop()
