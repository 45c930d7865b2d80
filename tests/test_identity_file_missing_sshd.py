"""Keys named and none of them there: the console logs in as ssh would, with the agent's
keys only, never the default ~/.ssh/id_* files (real sshd).

Walked as a new user (helper-171): `IdentityFile ~/.ssh/nosuchkey` for app-2 in
~/.ssh/config, no ssh-agent. ssh refuses ('no such identity', 'Permission denied
(publickey)': readconf.c adds the default identities only when no IdentityFile is given),
and check-config warned 'no key to log in with here: ~/.ssh/nosuchkey (no such file)';
but exec logged in to app-2 with ~/.ssh/id_ed25519, a key nothing named for it (asyncssh
loads its default keys for an empty list)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import tomli_w

from tests.cli_fleet import Fleet, write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    """The fleet's key is the account's default one (~/.ssh/id_ed25519), named nowhere, as
    init's inventory leaves it; ssh_config read."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    inventory = fleet.config / "inventory.toml"
    text = inventory.read_text().replace("use_ssh_config = false", "use_ssh_config = true")
    key_line = tomli_w.dumps({"identity_files": [str(sshd_server.client_key)]})
    assert key_line in text
    ssh_config = tmp_path / "ssh_config"
    extra = tomli_w.dumps({"config_files": [str(ssh_config)]})
    inventory.write_text(text.replace(key_line, "").replace("[ssh]\n", "[ssh]\n" + extra, 1))
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True, mode=0o700)
    shutil.copy(sshd_server.client_key, home / ".ssh" / "id_ed25519")
    fleet.env.update({"HOME": str(home), "SSH_AUTH_SOCK": ""})
    return fleet


def test_a_named_key_that_is_not_there_is_not_replaced_by_the_default_one(
    fleet: Fleet, tmp_path: Path
) -> None:
    (tmp_path / "ssh_config").write_text("Host app-2\n  IdentityFile ~/.ssh/nosuchkey\n")
    checked = fleet.cli("check-config")
    # app-1 logs in: a warning, at the file and line naming the key
    said = (
        f"warning: app-2: {tmp_path / 'ssh_config'}:2: IdentityFile ~/.ssh/nosuchkey (no such"
        " file), and no ssh-agent ($SSH_AUTH_SOCK unset): this key cannot be used without an"
        " ssh-agent, no key to log in with; "
    )
    assert said in checked.stderr, checked.stderr

    result = fleet.cli("exec", "--systems", "app", "true")
    assert result.returncode == 1, result.stdout + result.stderr
    failed = [line for line in result.stderr.splitlines() if ": FAILED" in line]
    assert len(failed) == 1 and failed[0].startswith("app-2: FAILED"), result.stdout + result.stderr
    assert "keys offered: none; not offered: ~/.ssh/nosuchkey (no such file)" in failed[0]

    (tmp_path / "ssh_config").write_text("")  # nothing named: the default key, as in ssh
    assert fleet.cli("exec", "--systems", "app", "true").returncode == 0


def test_a_key_path_typo_with_no_other_key_is_refused_before_anything_is_dialled(
    sshd_server, tmp_path: Path
) -> None:
    """Walked as a new user (helper-266): the inventory's only key mistyped, no ssh-agent:
    check-config warned, and `run` opened an incident, failed every host 'Permission
    denied' and sent a critical update. Refused now by every command, nothing dialled (the
    typo beside a key that loads stays a warning: tests/test_config_warnings_every_command)."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    fleet.env["SSH_AUTH_SOCK"] = ""
    inventory = fleet.config / "inventory.toml"
    good = tomli_w.dumps({"identity_files": [str(sshd_server.client_key)]})
    typo = tmp_path / "client_ed2551"
    mistyped = tomli_w.dumps({"identity_files": [str(typo)]})
    inventory.write_text(inventory.read_text().replace(good, mistyped))
    line = next(
        n for n, text in enumerate(inventory.read_text().splitlines(), 1) if str(typo) in text
    )
    want = (
        f"error: {inventory}:{line}: ssh.identity_files[0]: no key to log in with to app-1,"
        f" app-2 here: {typo} (no such file); no ssh-agent ($SSH_AUTH_SOCK unset); correct the"
        " path, or ssh-add the key to an ssh-agent"
    )
    checked = fleet.cli("check-config")
    assert checked.returncode == 2 and want in checked.stderr.splitlines(), checked.stderr
    ran = fleet.cli("exec", "--systems", "app", "true")
    assert ran.returncode == 2 and ran.stderr.splitlines() == [want], ran.stderr
    argv = ["run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact"]
    ran = fleet.cli(*argv, "--reason", "r", "--yes")
    assert ran.returncode == 2 and want in ran.stderr.splitlines(), ran.stderr
    assert not fleet.state.exists() or not any(fleet.state.rglob("*.jsonl"))
    assert sshd_server.server.accepted_connections() == 0

    # The typo in another system's host alone (its key kept on another jump host): a
    # command on app goes on, warned (it was refused, every rollback held up by it)
    legacy = {"name": "legacy", "strategies": ["flip"], "hosts": [{"name": "old-1"}]}
    legacy["hosts"][0] |= {"address": "127.0.0.1", "identity_files": [str(typo)]}
    text = inventory.read_text().replace(mistyped, good)
    inventory.write_text(text + "\n" + tomli_w.dumps({"systems": [legacy]}))
    ran = fleet.cli("exec", "--systems", "app", "true")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "no key to log in with to old-1 here" in ran.stderr, ran.stderr
    assert fleet.cli("exec", "--systems", "legacy", "true").returncode == 2
