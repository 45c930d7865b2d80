"""The git preset's precheck refusing uncommitted changes says why in the line a host's
failure is told by. Walked headless on 2 sshd hosts, one with a hand edit in nginx/: the
run's closing lines read 'edge-1: failed at restore · precheck: non-zero exit: exit
status 3 —  M nginx/users.conf', the file without the reason (the list came last)."""

from __future__ import annotations

import pytest

from tests.test_presets_sshd import etc_repository, etc_restore, git, run

pytestmark = pytest.mark.sshd


def test_uncommitted_changes_are_the_reason_a_host_failed(sshd_server, tmp_path):
    root = sshd_server.sandbox("host")
    repo = etc_repository(root)
    (repo / "nginx/nginx.conf").write_text("worker_processes 2;  # by hand\n")
    config = etc_restore(sshd_server, tmp_path, root, repo)
    head = git(repo, "rev-parse", "HEAD")

    outcome = run(config, tmp_path, "etc-restore")

    # asked before the step (headless resolves previous as the console does): nothing sent,
    # the reason on the run's last line
    assert outcome.returncode == 1, outcome.stdout + outcome.stderr
    last = outcome.stdout.strip().splitlines()[-1]
    assert (
        "could not be resolved on db-1: uncommitted changes in nginx (above): commit them"
        " first (etckeeper commit), then retry"
    ) in last, last
    assert git(repo, "rev-parse", "HEAD") == head  # nothing committed over the edit
    assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 2;  # by hand\n"


async def test_a_verify_finding_the_paths_differ_says_so_last(sshd_server, tmp_path):
    """The verify's 'nginx differ from REV:' came before git's stat, whose last line ('1 file
    changed, 1 insertion(+)') was then the reason a host failed."""
    root = sshd_server.sandbox("host")
    repo = etc_repository(root)
    # the restart changes the file again after the restore: the verify finds it differs
    config = etc_restore(
        sshd_server, tmp_path, root, repo,
        f'{{ name = "restart", default = "echo drift >> {repo}/nginx/nginx.conf" }}',
    )  # fmt: skip

    outcome = run(config, tmp_path, "etc-restore")

    assert outcome.returncode == 1, outcome.stdout + outcome.stderr
    failed = [line for line in outcome.stdout.splitlines() if "failed at restore" in line]
    assert failed and " differ from " in failed[0] and failed[0].endswith("(above)"), failed
