"""A git configuration restore that fails midway puts the paths back as they were: walked
on a hand-built sshd fleet (helper-157), a file the login could not replace ('error:
unable to unlink old 'storefront.conf': Permission denied') failed the action after git
had staged the revision; the host was left with the restore half made ('MM
storefront.conf': the old file, the revision in the index), its undo said 'already back'
and 'undone on web-2' over it, and the next run's precheck refused it as uncommitted
changes to commit first (which would have committed half a restore)."""

from __future__ import annotations

import pytest

from tests.test_presets_sshd import etc_repository, etc_restore, git, run

pytestmark = pytest.mark.sshd


def test_a_restore_that_cannot_replace_a_file_leaves_the_paths_as_they_were(sshd_server, tmp_path):
    root = sshd_server.sandbox("host")
    repo = etc_repository(root)
    config = etc_restore(sshd_server, tmp_path, root, repo)
    head = git(repo, "rev-parse", "HEAD")
    (repo / "nginx").chmod(0o555)  # its files cannot be replaced nor removed
    try:
        outcome = run(config, tmp_path, "etc-restore")
    finally:
        (repo / "nginx").chmod(0o755)

    assert outcome.returncode == 1 and outcome.failed_stage() == "action", outcome.stdout
    assert git(repo, "status", "--porcelain") == ""  # nothing staged, nothing changed
    said = outcome.stdout.split("hosts whose last step did not succeed:", 1)[1]
    assert "the restore failed (above): nginx put back as they were, nothing changed" in said
    assert git(repo, "rev-parse", "HEAD") == head
    assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 0;\n"

    again = run(config, tmp_path / "again", "etc-restore")  # the cause fixed: it goes through
    assert again.returncode == 0, again.stdout + again.stderr
    assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 4;\n"
    assert git(repo, "status", "--porcelain") == ""
