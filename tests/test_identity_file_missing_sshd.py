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
    said = "keys for app-2: no key to log in with here: ~/.ssh/nosuchkey (no such file)"
    assert said in checked.stderr, checked.stderr

    result = fleet.cli("exec", "--systems", "app", "true")
    assert result.returncode == 1, result.stdout + result.stderr
    failed = [line for line in result.stderr.splitlines() if ": FAILED" in line]
    assert len(failed) == 1 and failed[0].startswith("app-2: FAILED"), result.stdout + result.stderr
    assert "keys offered: none; not offered: ~/.ssh/nosuchkey (no such file)" in failed[0]

    (tmp_path / "ssh_config").write_text("")  # nothing named: the default key, as in ssh
    assert fleet.cli("exec", "--systems", "app", "true").returncode == 0
