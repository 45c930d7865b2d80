"""console.toml's `journal_dir = "journals"` and `lock_dir = "locks"`, relative, are read
from the configuration's directory, whatever the current directory. Walked on an init
configuration and real sshd: they were read from the current directory, so an `exec`
run from one directory journalled and locked there, `list` from another found no
incident, and two consoles started from two directories each took their own lock of the
same system."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.test_cli_ssh import exec_on_one_host
from tests.test_file_modes import cli

pytestmark = pytest.mark.sshd


def _in(cwd: Path, *args: str, state: Path) -> subprocess.CompletedProcess[str]:
    cwd.mkdir(exist_ok=True)
    return cli(*args, state=state, cwd=cwd)


def test_relative_journal_and_lock_dirs_are_the_configuration_s(sshd_server, tmp_path):
    base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", sshd_server.known_hosts)
    config = Path(base[2])
    (config / "console.toml").write_text('journal_dir = "journals"\nlock_dir = "locks"\n')
    state = tmp_path / "state"

    checked = _in(tmp_path / "a", "check-config", str(config), state=state)
    assert checked.returncode == 0, checked.stderr
    ran = _in(tmp_path / "a", *base, "echo in", state=state)
    assert ran.returncode == 0 and ran.stdout == "web-1: in\n", ran.stderr
    [journal] = (config / "journals").glob("*/journal.jsonl")
    assert (config / "locks").is_dir()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == []  # nothing where it ran

    listed = _in(tmp_path / "b", "list", "--config", str(config), state=state)
    assert listed.returncode == 0, listed.stderr
    assert f"{journal.parent.name}  completed  Ad-hoc command on web" in listed.stdout
    exported = _in(
        tmp_path / "b", "export", journal.parent.name, "--config", str(config), state=state
    )
    assert exported.returncode == 0 and "echo in" in exported.stdout, exported.stderr
