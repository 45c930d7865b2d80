"""A first contact through a jump host accepts both keys in one run, as ssh asks for both.

Walked on real sshd (helper-156): app-1 behind a bastion, neither key known. `exec` said
the bastion's fingerprint first ('--accept-host-key app-1=SHA256:+Lq...'), then, run
again, app-1's own. Given both at once (`--accept-host-key app-1=OWN --accept-host-key
app-1=BASTION`), the later option silently replaced the earlier, and the run was refused:
'bastion ([127.0.0.2]:21022) offers SHA256:+Lq..., not SHA256:+TJ..., the key to
accept: refused' (exit 1), though both keys were the ones the owners gave."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests import sshd as sshd_mod
from tests.ssh_homes import named_only, ssh_home, via_bastion
from tests.test_cli_ssh import cli

pytestmark = pytest.mark.sshd


def fingerprint(server: sshd_mod.SshdServer) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-lf", str(server.host_key_path) + ".pub"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()[1]


@pytest.fixture
def bastion(sshd_server, sshd_account, tmp_path):
    server = sshd_mod.start_sshd(
        tmp_path / "bastion", sshd_account, authorized_keys=[sshd_server.client_public_key]
    )
    yield server
    server.stop()


def test_both_keys_on_the_way_are_accepted_in_one_run(sshd_server, bastion, tmp_path: Path):
    target, key = sshd_server.server, sshd_server.client_key
    known = tmp_path / "home" / ".ssh" / "known_hosts"  # none known yet: a first contact
    home = ssh_home(tmp_path, via_bastion(bastion.port, target, key, known))
    config = named_only(tmp_path)
    state = tmp_path / "state"
    exec_ = ["exec", "--config", str(config), "--systems", "app", "--json"]
    own, jump = fingerprint(target), fingerprint(bastion)
    wrong = cli(
        *exec_, "--accept-host-key", f"app-1={own}", "--accept-host-key", f"app-1={own[:-4]}AAAA",
        "id -un", home=home, state=state,
    )  # fmt: skip
    assert wrong.returncode == 1, wrong.stderr  # neither is the bastion's: refused, nothing kept
    assert f"offers {jump}, not {own}" in wrong.stderr
    assert not known.exists() or known.read_text() == ""

    # its own first, then the bastion's: each is trusted where it is the key on the way
    result = cli(
        *exec_, "--accept-host-key", f"app-1={own}", "--accept-host-key", f"app-1={jump}",
        "id -un", home=home, state=state,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(known.read_text().splitlines()) == 2
    journals = sorted(state.rglob("journal.jsonl"), key=lambda p: p.stat().st_mtime)
    events = read_journal(journals[-1]).events
    accepted = [e.data.fingerprint for e in events if e.kind == Kind.HOSTKEY_ACCEPTED]
    assert accepted == [jump, own]
    ssh = subprocess.run(
        ["ssh", "-F", str(home / ".ssh" / "config"), "-o", "BatchMode=yes", "app-1", "id -un"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ssh.returncode == 0, ssh.stderr  # what the console trusted, ssh trusts
    assert ssh.stdout.strip() == target.user


def test_a_key_is_not_accepted_into_dev_null(sshd_server, tmp_path: Path):
    """`UserKnownHostsFile /dev/null` (with `StrictHostKeyChecking no`, as lab configs have
    it): `--accept-host-key` said 'accepted host key SHA256:... (journalled)', wrote it to
    /dev/null, and the host then failed 'host key unknown', the line asking for that same
    --accept-host-key again, run after run. It is refused as UserKnownHostsFile none is."""
    target, key = sshd_server.server, sshd_server.client_key
    home = ssh_home(
        tmp_path,
        f"Host app-*\n  HostName 127.0.0.1\n  Port {target.port}\n  User {target.user}\n"
        f"  IdentityFile {key}\n  UserKnownHostsFile /dev/null\n  StrictHostKeyChecking no\n",
    )
    config = named_only(tmp_path)
    state = tmp_path / "state"
    own = fingerprint(target)
    result = cli(
        "exec", "--config", str(config), "--systems", "app", "--accept-host-key",
        f"app-1={own}", "id -un", home=home, state=state,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "error: app-1: app-1: UserKnownHostsFile is /dev/null, nowhere to record a key; refused"
        " (ssh reaches it only by trusting any key, StrictHostKeyChecking no; the console"
        " always checks: name a file)"
    ]
    assert "accepted host key" not in result.stdout
    assert not list(state.rglob("journal.jsonl"))
    result = cli(
        "exec", "--config", str(config), "--systems", "app", "id -un", home=home, state=state
    )  # and the host unknown says so, asking for no --accept-host-key it would refuse
    assert result.returncode == 1, result.stderr
    assert (
        f"it offers {own}; UserKnownHostsFile is /dev/null, nowhere to record it" in result.stderr
    )
    assert "--accept-host-key" not in result.stderr
