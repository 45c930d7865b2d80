"""Everything the console writes is private: directories 0700, files 0600, whatever the
umask; an export may be relaxed on purpose with --mode."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from console.journal.files import write_private
from console.journal.lock import Holder, SystemLocks
from tests.sshd import ensure_test_account

RUN = [
    "run", "--demo", "--systems", "web", "--strategy", "version-rollback",
    "--trigger", "user-impact", "--reason", "modes", "--yes", "--quiet",
]  # fmt: skip


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def cli(*args: str, state: Path, cwd: Path) -> subprocess.CompletedProcess:
    """The console in a subprocess whose umask is the usual 022 (it must not matter)."""
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)},
        preexec_fn=lambda: os.umask(0o022),
    )


def _tree(root: Path) -> list[Path]:
    return [root, *root.rglob("*")]


def test_a_run_and_its_export_write_nothing_others_can_read(tmp_path):
    state = tmp_path / "state"  # does not exist yet: the console creates it
    run = cli(*RUN, state=state, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    written = _tree(state)
    assert any(p.name == "journal.jsonl" for p in written)
    assert any(p.name == "demo-locks" for p in written), "the run took its lock there"
    loose = {str(p): oct(_mode(p)) for p in written if _mode(p) not in (0o700, 0o600)}
    assert not loose, loose
    assert all(_mode(p) == 0o700 for p in written if p.is_dir())
    assert all(_mode(p) == 0o600 for p in written if p.is_file())

    journal = next(state.glob("demo-incidents/*/journal.jsonl"))
    doc = tmp_path / "reports" / "doc.md"  # its directory is made too
    assert cli("export", str(journal), "-o", str(doc), state=state, cwd=tmp_path).returncode == 0
    assert (_mode(doc.parent), _mode(doc)) == (0o700, 0o600)

    shared = tmp_path / "shared.md"
    shared.write_text("an older export")
    shared.chmod(0o644)
    exported = cli("export", str(journal), "-o", str(shared), state=state, cwd=tmp_path)
    assert exported.returncode == 0 and _mode(shared) == 0o600, "overwritten private"
    relaxed = cli(
        "export", str(journal), "-o", str(shared), "--mode", "0644", state=state, cwd=tmp_path
    )
    assert relaxed.returncode == 0 and _mode(shared) == 0o644


@pytest.mark.parametrize("mode", ["rw-r--r--", "1777", "0o8"])
def test_a_bad_export_mode_is_one_line_and_exit_2(tmp_path, mode):
    result = cli(
        "export", str(tmp_path), "-o", "x.md", "--mode", mode, state=tmp_path, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "--mode" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.md").exists()


def test_init_writes_a_private_configuration(tmp_path):
    target = tmp_path / "new" / "config"
    assert cli("init", str(target), state=tmp_path / "state", cwd=tmp_path).returncode == 0
    assert _mode(target) == 0o700 and _mode(target.parent) == 0o700
    files = list(target.glob("*.toml"))
    assert files and all(_mode(p) == 0o600 for p in files)


def test_write_private_ignores_the_umask_and_keeps_existing_parents(tmp_path):
    old = os.umask(0)
    try:
        tmp_path.chmod(0o755)
        write_private(tmp_path / "a" / "b" / "f", b"x")
    finally:
        os.umask(old)
    assert _mode(tmp_path) == 0o755, "an existing parent is not the console's to change"
    assert _mode(tmp_path / "a") == _mode(tmp_path / "a" / "b") == 0o700
    assert _mode(tmp_path / "a" / "b" / "f") == 0o600


def test_a_lock_directory_loses_world_access_but_keeps_a_shared_group(tmp_path):
    me = Holder(os.getpid(), "u", "h", "now", "inc-1")
    world = tmp_path / "world"
    world.mkdir()
    world.chmod(0o777)
    SystemLocks(world).acquire("web", me)
    assert _mode(world) == 0o770
    team = tmp_path / "team"
    team.mkdir()
    team.chmod(0o2770)
    SystemLocks(team).acquire("web", me)
    assert _mode(team) == 0o2770
    # group-readable there: a teammate's console names the holder and judges it stale
    assert _mode(team / "web.lock") == 0o640
    # acquire's mutex: every account of the group can open it to flock it (read is enough)
    assert _mode(team / "acquire.mutex") == 0o640
    fresh = tmp_path / "fresh" / "locks"
    SystemLocks(fresh).acquire("web", me)
    assert _mode(fresh) == _mode(fresh.parent) == 0o700
    assert _mode(fresh / "acquire.mutex") == 0o600


def _shared_by_all(path: Path) -> Path:
    """A directory like /tmp: every account writes there, and it holds another's file."""
    path.mkdir()
    (path / "someone-elses").write_text("x")
    path.chmod(0o1777)
    return path


def test_run_never_makes_a_directory_holding_other_files_its_incidents(tmp_path):
    """`run --journal /tmp` (as root) made /tmp 0700: every other account lost it. A new
    incident's --journal is a directory of its own, new or empty."""
    shared = _shared_by_all(tmp_path / "tmp")
    for journal in (shared, shared / "journal.jsonl"):
        run = cli(*RUN, "--journal", str(journal), state=tmp_path / "state", cwd=tmp_path)
        assert run.returncode == 2, run.stdout
        assert run.stderr == (
            f"error: --journal {journal}: holds other files; a new incident needs a directory"
            " of its own, new or empty (the console makes it private, 0700)\n"
        )
    assert _mode(shared) == 0o1777
    assert [p.name for p in shared.iterdir()] == ["someone-elses"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a directory to another")
def test_run_never_journals_in_another_accounts_directory(tmp_path):
    """`run --journal /tmp/x` as root, where another account had made /tmp/x (empty, 0777):
    the incident was journalled there, the directory still that account's, which could then
    replace the record's files or plant links among them. Refused, nothing recorded."""
    other = ensure_test_account("rbplanter")
    theirs = _shared_by_all(tmp_path / "tmp") / "incident"
    theirs.mkdir()
    theirs.chmod(0o777)
    os.chown(theirs, other.uid, other.gid)
    run = cli(*RUN, "--journal", str(theirs), state=tmp_path / "state", cwd=tmp_path)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (
        f"error: --journal {theirs}: rbplanter's directory, not this account's; a new incident"
        " needs a directory of its own, new or empty (the console makes it private, 0700)\n"
    )
    assert list(theirs.iterdir()) == [] and _mode(theirs) == 0o777


@pytest.mark.parametrize("key", ["journal_dir", "lock_dir"])
def test_a_journal_or_lock_dir_every_account_shares_is_refused(tmp_path, key):
    """journal_dir or lock_dir = "/tmp" (or /run/lock): the console tightened it, taking
    every other account's access away. check-config and every command refuse it."""
    shared = _shared_by_all(tmp_path / "tmp")
    config = tmp_path / "config"
    assert cli("init", str(config), state=tmp_path / "state", cwd=tmp_path).returncode == 0
    console_toml = config / "console.toml"
    console_toml.write_text(f'{key} = "{shared}"\n' + console_toml.read_text())
    for command in (
        ["check-config", str(config)],
        ["exec", "--config", str(config), "--systems", "web", "true"],
    ):
        result = cli(*command, state=tmp_path / "state", cwd=tmp_path)
        assert result.returncode == 2, result.stdout
        assert f"console.toml:1: {key}: {shared} is shared by every account (mode 1777)" in (
            result.stderr
        )
        assert "Traceback" not in result.stderr
    assert _mode(shared) == 0o1777


@pytest.mark.skipif(os.geteuid() != 0, reason="access(2) tells others the truth; root it lies to")
@pytest.mark.parametrize("key", ["journal_dir", "lock_dir"])
@pytest.mark.parametrize("value", ["/proc/x", "/proc"])
def test_a_directory_root_cannot_make_is_refused_though_access_says_yes(tmp_path, key, value):
    """journal_dir = "/proc/x" run as root: access(2) says root may write /proc, check-config
    said ok, and the run then failed making it. check-config (and every command) try making
    a directory there, as root only, and refuse it in one line."""
    config = tmp_path / "config"
    assert cli("init", str(config), state=tmp_path / "state", cwd=tmp_path).returncode == 0
    console_toml = config / "console.toml"
    console_toml.write_text(f'{key} = "{value}"\n' + console_toml.read_text())
    said = f"{value} cannot be created in /proc" if value != "/proc" else "/proc is not writable"
    for command in (
        ["check-config", str(config)],
        ["exec", "--config", str(config), "--systems", "web", "true"],
    ):
        result = cli(*command, state=tmp_path / "state", cwd=tmp_path)
        assert result.returncode == 2, result.stdout
        assert (
            f"console.toml:1: {key}: {said}: making a directory there fails (No such file or"
            " directory)\n"
        ) in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
