"""./config is read only where it is the user's own. Walked as a first-time responder on
a jump host (helper-180): with the account's own configuration in ~/.config and the shell
in /tmp, another account's /tmp/config was read instead, silently: `check-config` said
'config: ok', and `run` and `exec` would have sent its commands to the responder's hosts
with the responder's keys (its command channels run on the jump host as the responder).
Now ./config that another account could have written (owned by neither this user nor
root, or writable by others or a group not the user's alone, as ssh refuses an
ssh_config) is refused in one line naming it and the way on, exit 2, nothing sent; named
with --config it is read, as the user chose (real sshd)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_fleet import Fleet, write_fleet
from tests.fleet_settings import chown_tree
from tests.sshd import ensure_test_account
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES

pytestmark = pytest.mark.sshd

REPO = Path(__file__).resolve().parents[1]
PLANTED = "echo planted > planted-here"


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    return write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])


def shared_dir(tmp_path: Path) -> Path:
    """A directory every account writes, as /tmp (1777)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    return shared


def here(fleet: Fleet, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The command line run with `cwd` as the shell's directory, no --config given, and
    the user's own configuration in the user config dir (the fleet's)."""
    own = cwd.parent / "xdg"
    (own / "rollback-console").mkdir(parents=True, exist_ok=True)
    for path in fleet.config.glob("*.toml"):
        shutil.copy(path, own / "rollback-console" / path.name)
    env = {k: v for k, v in os.environ.items() if k != "ROLLBACK_CONSOLE_CONFIG"}
    env |= {
        "ROLLBACK_CONSOLE_STATE": str(fleet.state),
        "XDG_CONFIG_HOME": str(own),
        "PYTHONPATH": str(REPO),  # -P: nothing imported from the directory it stands in
    }
    return subprocess.run(
        [sys.executable, "-P", "-m", "console", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def planted_config(fleet: Fleet, shared: Path) -> Path:
    """The fleet's configuration copied to `shared`/config, every command its own."""
    config = shared / "config"
    config.mkdir()
    for path in fleet.config.glob("*.toml"):
        (config / path.name).write_text(path.read_text())
    return config


def refused(result: subprocess.CompletedProcess, config: Path, why: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.splitlines() == [
        f"error: ./config here ({config.resolve()}) is not read: {why}, so another account could have"
        " written the commands it sends to your hosts; run from a directory of your own, or"
        " name it with --config DIR if you trust it"
    ], result.stderr


def test_another_accounts_config_where_the_shell_stands_is_not_read(
    fleet: Fleet, tmp_path: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("another account's files need root to make")
    other = ensure_test_account("rbplanter")
    shared = shared_dir(tmp_path)
    config = planted_config(fleet, shared)
    config.chmod(0o755)
    chown_tree(config, other.uid, other.gid)

    checked = here(fleet, shared, "check-config")
    refused(checked, config, f"owned by uid {other.uid} ({other.name}), neither you nor root")
    sent = here(fleet, shared, "exec", "--systems", "app", PLANTED)
    refused(sent, config, f"owned by uid {other.uid} ({other.name}), neither you nor root")
    assert not any((s / "planted-here").exists() for s in fleet.sandboxes.values())
    assert not fleet.state.exists() or not any(fleet.state.rglob("journal.jsonl"))

    # named, it is the user's choice: read as named
    chosen = here(fleet, shared, "check-config", str(config))
    assert chosen.returncode == 0, chosen.stderr


def test_a_config_file_others_can_write_is_not_read(fleet: Fleet, tmp_path: Path) -> None:
    shared = shared_dir(tmp_path)
    config = planted_config(fleet, shared)
    (config / "procedure.toml").chmod(0o666)
    result = here(fleet, shared, "exec", "--systems", "app", PLANTED)
    refused(result, config / "procedure.toml", "writable by others (mode 0666: chmod go-w)")
    assert not any((s / "planted-here").exists() for s in fleet.sandboxes.values())

    # the user's own, others reading it only: read where the shell stands
    (config / "procedure.toml").chmod(0o644)
    ran = here(fleet, shared, "exec", "--systems", "app", "true")
    assert ran.returncode == 0, ran.stderr
