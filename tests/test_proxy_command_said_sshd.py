"""A ProxyCommand that fails says why, as `ssh` shows it: the command's own stderr.

Walked on real sshd (helper-156): an Ansible inventory's `-o ProxyCommand="ssh -W %h:%p
bastion"` whose bastion key the inner ssh did not know read, for every host, 'FAILED
(unreachable): disconnected during login: Connection lost', beside a stray 'Unknown
child process pid 4488, will report returncode 255' from asyncio, where plain `ssh`
printed the inner ssh's 'Host key verification failed.'. asyncssh fed the command's
stderr into the SSH stream as if the host had said it. Each case below runs real OpenSSH
`ssh -W` through a real bastion sshd."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import sshd as sshd_mod
from tests.ssh_homes import named_only, ssh_home
from tests.test_cli_ssh import cli

pytestmark = pytest.mark.sshd


@pytest.fixture
def bastion(sshd_server, sshd_account, tmp_path):
    workdir = tmp_path / "bastion"
    server = sshd_mod.start_sshd(
        workdir, sshd_account, authorized_keys=[sshd_server.client_public_key]
    )
    yield server
    server.stop()


def proxied(sshd_server, bastion, tmp_path: Path, proxy_known: Path) -> tuple[list[str], Path]:
    """`exec` on svc-1, the sshd, reached by ProxyCommand ssh -W through the bastion
    (the inner ssh trusting what `proxy_known` holds); and $HOME."""
    key = sshd_server.client_key
    proxy = (
        f"ssh -F /dev/null -i {key} -o BatchMode=yes -o StrictHostKeyChecking=yes"
        f" -o UserKnownHostsFile={proxy_known} -p {bastion.port} -l %r -W %h:%p 127.0.0.1"
    )
    return through(sshd_server, tmp_path, proxy)


def through(sshd_server, tmp_path: Path, proxy: str, **ssh: float) -> tuple[list[str], Path]:
    """`exec id -un` on svc-1, the sshd, reached through the ProxyCommand `proxy`
    (`ssh`: inventory.toml's [ssh] settings besides); and $HOME."""
    target, key = sshd_server.server, sshd_server.client_key
    home = ssh_home(
        tmp_path,
        f"Host svc-*\n  HostName 127.0.0.1\n  Port {target.port}\n  User {target.user}\n"
        f"  IdentityFile {key}\n  UserKnownHostsFile {sshd_server.known_hosts}\n"
        f"  ProxyCommand {proxy}\n",
    )
    directory = named_only(tmp_path, "svc", "svc-1", **ssh)
    return ["exec", "--config", str(directory), "--systems", "svc", "id -un"], home


def test_a_proxy_command_that_fails_is_said_with_its_own_words(sshd_server, bastion, tmp_path):
    empty = tmp_path / "proxy_known_hosts"
    empty.write_text("")  # the inner ssh knows no key: it refuses the bastion's
    args, home = proxied(sshd_server, bastion, tmp_path, empty)
    result = cli(*args, home=home, state=tmp_path / "state")
    assert result.returncode == 1, result.stderr
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("svc-1: "))
    assert line.startswith("svc-1: FAILED (unreachable): proxy command `ssh -F /dev/null"), line
    assert "ended (exit status 255) before the SSH banner of 127.0.0.1:" in line, line
    assert "nothing sent, saying '" in line and "Host key verification failed.'" in line, line
    assert "Unknown child process" not in result.stderr  # asyncio's, never the user's

    bastion.stop()  # the bastion down: the inner ssh's words again, as ssh shows them
    known = sshd_mod.write_known_hosts(tmp_path / "kh", [bastion])
    args, home = proxied(sshd_server, bastion, tmp_path / "down", known)
    result = cli(*args, home=home, state=tmp_path / "state")
    assert result.returncode == 1, result.stderr
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("svc-1: "))
    assert f"saying 'ssh: connect to host 127.0.0.1 port {bastion.port}: Connection refused" in line
    assert "Unknown child process" not in result.stderr


def test_a_proxy_command_that_works_still_carries_the_session(sshd_server, bastion, tmp_path):
    known = sshd_mod.write_known_hosts(tmp_path / "proxy_known_hosts", [bastion])
    args, home = proxied(sshd_server, bastion, tmp_path, known)
    result = cli(*args, home=home, state=tmp_path / "state")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"svc-1: {sshd_server.server.user}"]
    assert result.stderr == ""
