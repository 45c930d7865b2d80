"""What the git preset of a config restore keeps in .rollback/ says what was restored, and
only once it was. Seen on a real sshd fleet from `init`: incident A restored nginx (workers
4); incident B's restore to another revision failed on the host (a file it could not
replace: 'put back as they were, nothing changed'); then incident C with `revision =
previous` restored the bad delivery (workers 0) over A's restore and closed "rolled back and
verified". B's precheck had written the shared records (`git-from`, `git-target`,
`git-incident`), in place, before anything changed: C read B's target as the last restore,
did not see A's, and `previous` undid it. On a full disk the same: B's in-place writes
made, its own records cut short. The precheck now writes the incident's own records only,
aside and renamed into place; the shared ones are written, the same way, once the restore
is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pgrig import run_console
from tests.test_presets_sshd import configure, etc_repository, git
from tests.test_toggle_full_disk_sshd import full_rollback_dir

pytestmark = pytest.mark.sshd

__all__ = ["full_rollback_dir"]  # the fixture, used by name

STRATEGY = (
    '[[strategies]]\nname = "etc-restore"\nkind = "config-restore"\npreset = "git"\n'
    'params = [{ name = "repo", default = "etc" }, { name = "paths", default = "nginx" },'
    ' { name = "check", default = "test -s etc/nginx/nginx.conf" }]\n'
)


def workers(app: Path) -> str:
    return (app / "etc/nginx/nginx.conf").read_text().strip()


def restore(config: Path, state: Path, *params: str):
    return run_console(config, state, "etc-restore", *params, system="web")


def incident_of(outcome) -> str:
    return outcome.events[0].data.incident_id


def test_a_restore_that_failed_leaves_the_last_one_made_on_record(sshd_server, tmp_path):
    app = sshd_server.sandbox("app")
    etc_repository(app)
    config = configure(sshd_server, tmp_path, app, STRATEGY)
    a = restore(config, tmp_path / "a")
    assert workers(app) == "worker_processes 4;", a.stdout + a.stderr

    nginx = app / "etc/nginx"
    nginx.chmod(0o555)  # B's restore cannot replace the files there
    try:
        b = restore(config, tmp_path / "b", "revision=HEAD~1")
    finally:
        nginx.chmod(0o755)
    assert b.returncode == 1, b.stdout + b.stderr
    assert workers(app) == "worker_processes 4;"

    c = restore(config, tmp_path / "c")

    # previous would undo A's restore: refused, naming it, and nothing changed
    assert workers(app) == "worker_processes 4;", c.stdout
    good = git(app / "etc", "log", "-n", "1", "--format=%h %s", "HEAD~2")
    said = f"nginx already restored to {good} (incident {incident_of(a)})"
    assert said in c.stdout, c.stdout


def _fill(directory: Path) -> None:
    """Fill the filesystem of `directory` again (bounded)."""
    with open(directory / "filler", "wb", buffering=0) as fh, pytest.raises(OSError):
        for _ in range(1000):
            fh.write(b"\0" * 4096)


def test_a_precheck_cut_short_by_a_full_disk_writes_nothing_shared(
    sshd_server, tmp_path, full_rollback_dir
):
    app, make_room = full_rollback_dir
    make_room()
    etc_repository(app)
    config = configure(sshd_server, tmp_path, app, STRATEGY)
    a = restore(config, tmp_path / "a")
    assert workers(app) == "worker_processes 4;", a.stdout + a.stderr
    records = app / ".rollback"
    shared = {n: (records / n).read_text() for n in ("git-from", "git-target", "git-incident")}
    _fill(records)

    b = restore(config, tmp_path / "b", "revision=HEAD~1")

    assert b.returncode == 1, b.stdout + b.stderr
    assert workers(app) == "worker_processes 4;"
    assert {n: (records / n).read_text() for n in shared} == shared  # still A's
    assert not list(records.glob("*.part"))
    assert not list(records.glob(f"git-{incident_of(b)}-*"))
    (records / "filler").unlink()

    c = restore(config, tmp_path / "c")
    assert workers(app) == "worker_processes 4;", c.stdout
    assert f"(incident {incident_of(a)}): previous would undo that restore" in c.stdout, c.stdout
