"""The keys a login really offers, said where a user looks: the refused login's line and
check-config. Walked on a README fleet of real sshd hosts behind a bastion (helper-128):
a passphrase-protected ~/.ssh/id_ed25519 with no ssh-agent read 'keys offered:
~/.ssh/id_ed25519' (named in ssh_config) or 'keys offered: no identity file found' (the
OpenSSH default), though that key never left the machine; a stale $SSH_AUTH_SOCK read
'and ssh-agent's'; an IdentityFile typo in ~/.ssh/config passed check-config silently."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w

from console.paths import example_config
from tests.sshd import ssh_agent
from tests.test_cli_run import cli

PASSPHRASE = "correct horse"
NOT_OFFERED = (
    "~/.ssh/id_ed25519 (passphrase-protected: the console asks for no passphrase; ssh-add it"
    " to an ssh-agent)"
)


def _setup(sshd_server, tmp_path: Path, identity: str, name_it: bool) -> tuple[Path, Path]:
    """$HOME with a passphrase-protected ~/.ssh/id_ed25519 (the server's client key) and
    a ~/.ssh/config naming web-1 (IdentityFile `identity` when `name_it`); the config."""
    server = sshd_server.server
    home = tmp_path / "home"
    ssh = home / ".ssh"
    ssh.mkdir(parents=True)
    key = ssh / "id_ed25519"
    shutil.copy(sshd_server.client_key, key)
    key.chmod(0o600)
    subprocess.run(
        ["ssh-keygen", "-q", "-p", "-P", "", "-N", PASSPHRASE, "-f", str(key)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    shutil.copy(sshd_server.known_hosts, ssh / "known_hosts")
    (ssh / "config").write_text(
        f"Host web-1\n  HostName 127.0.0.1\n  Port {server.port}\n  User {server.user}\n"
        + (f"  IdentityFile {identity}\n" if name_it else "")
    )
    directory = tmp_path / "config"
    shutil.copytree(example_config(), directory)
    (directory / "console.toml").unlink()
    inventory = {"systems": [{"name": "web", "hosts": [{"name": "web-1"}]}]}
    (directory / "inventory.toml").write_text(tomli_w.dumps(inventory))
    return home, directory


def _run(*args, home: Path, tmp_path: Path, agent: str = ""):
    return cli(*args, state_dir=tmp_path / "state", HOME=str(home), SSH_AUTH_SOCK=agent)


@contextlib.contextmanager
def _agent_holding(tmp_path: Path, key: Path) -> Iterator[Path]:
    """A private ssh-agent holding the passphrase-protected key (added with its phrase)."""
    askpass = tmp_path / "askpass"
    askpass.write_text(f"#!/bin/sh\necho '{PASSPHRASE}'\n")
    askpass.chmod(0o700)
    with ssh_agent(tmp_path, []) as sock:
        env = {"SSH_AUTH_SOCK": str(sock), "SSH_ASKPASS": str(askpass)}
        subprocess.run(
            ["ssh-add", str(key)],
            env={**os.environ, **env, "SSH_ASKPASS_REQUIRE": "force"},
            stdin=subprocess.DEVNULL,
            check=True,
            capture_output=True,
            timeout=30,
        )
        yield sock


def _served_by_the_agent(tmp_path: Path, home: Path, config: Path) -> None:
    """With the key in an ssh-agent, check-config says nothing of it and exec logs in."""
    with _agent_holding(tmp_path, home / ".ssh" / "id_ed25519") as sock:
        checked = _run("check-config", str(config), home=home, tmp_path=tmp_path, agent=str(sock))
        assert checked.returncode == 0 and "keys for" not in checked.stderr, checked.stderr
        exec_ = ["exec", "--config", str(config), "--systems", "web", "echo logged in"]
        ran = _run(*exec_, home=home, tmp_path=tmp_path, agent=str(sock))
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout == "web-1: logged in\n"


@pytest.mark.sshd
def test_a_passphrase_protected_default_key_is_said_not_offered_and_serves_from_the_agent(
    sshd_server, tmp_path
):
    """OpenSSH's default ~/.ssh/id_ed25519, named nowhere: a warning, and the login says
    why it failed."""
    home, config = _setup(sshd_server, tmp_path, "~/.ssh/id_ed25519", False)
    base = ["exec", "--config", str(config), "--systems", "web"]

    checked = _run("check-config", str(config), home=home, tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert (
        f"warning: keys for web-1: no key to log in with here: {NOT_OFFERED}; no ssh-agent"
        " ($SSH_AUTH_SOCK unset)\n"
    ) in checked.stderr

    refused = _run(*base, "true", home=home, tmp_path=tmp_path)
    assert refused.returncode == 1
    assert (
        f"; keys offered: none; not offered: {NOT_OFFERED}; no ssh-agent ($SSH_AUTH_SOCK unset)\n"
    ) in refused.stderr
    # An agent socket left from an older session (a reattached tmux) is no agent.
    gone = str(tmp_path / "gone.sock")
    stale = _run(*base, "true", home=home, tmp_path=tmp_path, agent=gone)
    assert f"; no ssh-agent answers at $SSH_AUTH_SOCK ({gone}: " in stale.stderr, stale.stderr
    assert sshd_server.server.accepted_connections() == 0

    _served_by_the_agent(tmp_path, home, config)


# check-config's line, and run's and exec's refusal, for web-1's key named in ssh_config
KEYLESS = (
    "web-1: ~/.ssh/config:5: IdentityFile ~/.ssh/id_ed25519 (passphrase-protected: the"
    " console asks for no passphrase), and {agent}: this key cannot be used without an"
    " ssh-agent, no key to log in with; ssh-add it to an ssh-agent, or name a key that loads\n"
)
RUN = ["--systems", "web", "--strategy", "version-rollback", "--trigger", "user-impact"]


@pytest.mark.sshd
def test_a_passphrase_protected_key_named_in_ssh_config_refuses_a_run_before_it_opens(
    sshd_server, tmp_path
):
    """Walked (helper-271): IdentityFile ~/.ssh/id_ed25519 (a passphrase) in ~/.ssh/config,
    no ssh-agent: check-config gave a warning, exit 0, and run opened an incident and failed
    every host 'Permission denied'. Now said at the file and line, an error where no host
    of a system could log in; run and exec refuse before anything is recorded or dialled."""
    home, config = _setup(sshd_server, tmp_path, "~/.ssh/id_ed25519", True)
    system = {"name": "web", "strategies": ["version-rollback"], "hosts": [{"name": "web-1"}]}
    (config / "inventory.toml").write_text(tomli_w.dumps({"systems": [system]}))
    unset = KEYLESS.format(agent="no ssh-agent ($SSH_AUTH_SOCK unset)")

    checked = _run("check-config", str(config), home=home, tmp_path=tmp_path)
    assert checked.returncode == 2 and "error: " + unset in checked.stderr, checked.stderr
    assert "keys for" not in checked.stderr, checked.stderr  # said once
    run = ["run", "--config", str(config), *RUN, "--reason", "x", "--yes"]
    refused = _run(*run, home=home, tmp_path=tmp_path)
    assert refused.returncode == 2 and unset in refused.stderr, refused.stderr
    assert not list(tmp_path.glob("state/incidents/*")), "an incident was opened"
    # An agent socket left from an older session (a reattached tmux) is no agent.
    gone = str(tmp_path / "gone.sock")
    exec_ = ["exec", "--config", str(config), "--systems", "web"]
    stale = _run(*exec_, "true", home=home, tmp_path=tmp_path, agent=gone)
    assert stale.returncode == 2, stale.stderr
    assert f", and no ssh-agent answers at $SSH_AUTH_SOCK ({gone}: " in stale.stderr
    assert sshd_server.server.accepted_connections() == 0

    _served_by_the_agent(tmp_path, home, config)


@pytest.mark.sshd
def test_an_identity_file_typo_in_ssh_config_is_named(sshd_server, tmp_path):
    home, config = _setup(sshd_server, tmp_path, "~/.ssh/id_ed2551", True)
    base = ["exec", "--config", str(config), "--systems", "web"]

    checked = _run("check-config", str(config), home=home, tmp_path=tmp_path)
    assert checked.returncode == 2, checked.stderr
    assert (
        "error: web-1: ~/.ssh/config:5: IdentityFile ~/.ssh/id_ed2551 (no such file), and no"
        " ssh-agent ($SSH_AUTH_SOCK unset): this key cannot be used without an ssh-agent, no"
        " key to log in with; ssh-add it to an ssh-agent, or name a key that loads\n"
    ) in checked.stderr
    refused = _run(*base, "true", home=home, tmp_path=tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert ": IdentityFile ~/.ssh/id_ed2551 (no such file), and no ssh-agent" in refused.stderr
    # With an agent answering, the key may come from it: the typo alone is said.
    with _agent_holding(tmp_path, home / ".ssh" / "id_ed25519") as sock:
        checked = _run("check-config", str(config), home=home, tmp_path=tmp_path, agent=str(sock))
        assert (
            "warning: keys for web-1: IdentityFile ~/.ssh/id_ed2551: no such file; skipped, as"
            " ssh skips it\n"
        ) in checked.stderr
        ran = _run(*base, "true", home=home, tmp_path=tmp_path, agent=str(sock))
        assert ran.returncode == 0, ran.stderr


@pytest.mark.sshd
def test_an_agent_full_of_other_keys_is_named_when_the_host_stops_the_login(sshd_server, tmp_path):
    """Walked with 8 keys in ssh-agent and the right one in ~/.ssh/config: 'FAILED
    (unreachable): jump host bastion: disconnected during login: Too many authentication
    failures' (ssh fails there too: each agent key is a try, MaxAuthTries 6)."""
    server = sshd_server.server
    home, config = _setup(sshd_server, tmp_path, str(sshd_server.client_key), True)
    base = ["exec", "--config", str(config), "--systems", "web", "echo logged in"]
    others = []
    for n in range(7):
        key = tmp_path / f"other-{n}"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
            check=True,
            capture_output=True,
            timeout=30,
        )
        others.append(key)
    with ssh_agent(tmp_path, others) as sock:
        stopped = _run(*base, home=home, tmp_path=tmp_path, agent=str(sock))
        assert stopped.returncode == 1
        assert stopped.stderr.startswith(
            "web-1: FAILED (authentication failed): Too many authentication failures: the host"
            " ended the login at its limit of keys tried (sshd's MaxAuthTries, 6 by default)"
            " before one it accepts; ssh-agent holds 7 keys, each offered as a try;"
            " IdentitiesOnly yes in ssh_config offers only the IdentityFile's; keys offered: "
        ), stopped.stderr
        assert server.accepted_connections() == 0
        ssh_config = home / ".ssh" / "config"
        ssh_config.write_text(ssh_config.read_text() + "  IdentitiesOnly yes\n")
        ran = _run(*base, home=home, tmp_path=tmp_path, agent=str(sock))
        assert ran.returncode == 0 and ran.stdout == "web-1: logged in\n", ran.stderr


def _config_with_key(sshd_server, tmp_path: Path, key: Path) -> Path:
    """A configuration whose only key is `key` ([ssh] identity_files) for web-1 on the sshd."""
    server = sshd_server.server
    inventory = {
        "ssh": {
            "use_ssh_config": False,
            "user": server.user,
            "identity_files": [str(key)],
            "known_hosts": str(sshd_server.known_hosts),
        },
        "systems": [
            {
                "name": "web",
                "hosts": [{"name": "web-1", "address": "127.0.0.1", "port": server.port}],
            }
        ],
    }
    config = tmp_path / "config"
    shutil.copytree(example_config(), config)
    (config / "console.toml").unlink()
    (config / "inventory.toml").write_text(tomli_w.dumps(inventory))
    return config


def _logs_in(config: Path, tmp_path: Path) -> None:
    ran = _run(
        "exec",
        "--config",
        str(config),
        "--systems",
        "web",
        "echo in",
        home=tmp_path,
        tmp_path=tmp_path,
    )
    assert ran.returncode == 0 and ran.stdout == "web-1: in\n", ran.stderr


@pytest.mark.sshd
def test_a_public_key_named_as_the_identity_file_names_its_private_one(sshd_server, tmp_path):
    """Walked with `identity_files = ["~/.ssh/id_ed25519.pub"]` (the file one copies to
    the hosts): 'is not a private key the SSH client can load: Invalid private key'."""
    public = tmp_path / "id_ed25519.pub"
    shutil.copy(f"{sshd_server.client_key}.pub", public)
    shutil.copy(sshd_server.client_key, tmp_path / "id_ed25519")
    (tmp_path / "id_ed25519").chmod(0o600)
    config = _config_with_key(sshd_server, tmp_path, public)

    checked = _run("check-config", str(config), home=tmp_path, tmp_path=tmp_path)
    assert checked.returncode == 2
    assert checked.stderr == (
        f"error: {config}/inventory.toml:5: ssh.identity_files[0]: {public} is a public key:"
        f" name its private key, {tmp_path / 'id_ed25519'}, which the SSH client logs in with\n"
    )
    text = (config / "inventory.toml").read_text()
    (config / "inventory.toml").write_text(text.replace(str(public), str(public)[:-4]))
    _logs_in(config, tmp_path)


@pytest.mark.sshd
def test_a_key_other_accounts_may_read_is_warned_of_and_used(sshd_server, tmp_path):
    """Walked with a key copied as 0644: ssh refuses it ('UNPROTECTED PRIVATE KEY FILE'),
    the console logged in with it, and check-config said nothing of the difference."""
    key = tmp_path / "id_ed25519"
    shutil.copy(sshd_server.client_key, key)
    key.chmod(0o644)
    config = _config_with_key(sshd_server, tmp_path, key)

    checked = _run("check-config", str(config), home=tmp_path, tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert (
        f"warning: {config}/inventory.toml:5: ssh.identity_files[0]: {key}: mode 0644 lets other"
        f" accounts read it: ssh refuses such a key (chmod 600 {key}); the console logs in"
        " with it\n"
    ) in checked.stderr
    _logs_in(config, tmp_path)


@pytest.mark.sshd
def test_identities_only_offers_the_agents_copy_of_a_key_with_no_pub_file_alone(
    sshd_server, tmp_path
):
    """IdentitiesOnly yes, IdentityFile a passphrase-protected key with no .pub beside it,
    ssh-agent holding it after six others (sshd's MaxAuthTries is 6; walked with
    MaxAuthTries 2 and two others): ssh reads the key's public part from the private file,
    offers the agent's copy alone and logs in; the console had no public key to match,
    offered the agent's every key, and the host ended the login ('Too many authentication
    failures') before the right one, its line saying 'ssh-agent's only where they match
    those (IdentitiesOnly)'."""
    home, config = _setup(sshd_server, tmp_path, "~/.ssh/id_ed25519", True)
    ssh_config = home / ".ssh" / "config"
    ssh_config.write_text(ssh_config.read_text() + "  IdentitiesOnly yes\n")
    key = home / ".ssh" / "id_ed25519"
    assert not key.with_name("id_ed25519.pub").exists()
    others = []
    for n in range(6):
        other = tmp_path / f"other-{n}"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        others.append(other)
    askpass = tmp_path / "askpass"
    askpass.write_text(f"#!/bin/sh\necho '{PASSPHRASE}'\n")
    askpass.chmod(0o700)
    with ssh_agent(tmp_path, others) as sock:  # they come first, the right key last
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock), "HOME": str(home)}
        subprocess.run(
            ["ssh-add", str(key)],
            env={**env, "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force"},
            stdin=subprocess.DEVNULL, check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        ssh = subprocess.run(
            ["ssh", "-F", str(ssh_config), "-o", "BatchMode=yes", "-i", str(key), "-o",
             f"UserKnownHostsFile={home / '.ssh' / 'known_hosts'}", "web-1", "echo", "ok"],
            capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert (ssh.returncode, ssh.stdout) == (0, "ok\n"), ssh.stderr  # ssh's ~ is /etc/passwd's
        base = ["exec", "--config", str(config), "--systems", "web", "echo logged in"]
        ran = _run(*base, home=home, tmp_path=tmp_path, agent=str(sock))
        assert (ran.returncode, ran.stdout) == (0, "web-1: logged in\n"), ran.stderr
