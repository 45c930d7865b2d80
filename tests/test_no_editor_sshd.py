"""A command that opens an editor fails at once, on real sshd: nobody can type into it
(no terminal, stdin /dev/null). Found by helper-147: a `git commit` without a message on a
host whose git names an editor (here one that waits, as an editor nobody types into does) waited out the whole command timeout (vim reads keys from
its stderr, the channel's pipe). The supervisor names `false` as the editor; git says so
in its own words, and a command that sets an editor itself keeps it."""

from __future__ import annotations

import pytest

from tests.test_lost_mid_change import release_fleet

pytestmark = pytest.mark.sshd

REPO = (
    "git init -q r && cd r && git config user.email ops@example.com && git config user.name ops"
    " && git config core.editor 'sleep 600 #' && echo x > f && git add f && "
)


def test_a_git_commit_without_a_message_fails_at_once_not_at_its_timeout(sshd_server, tmp_path):
    fleet = release_fleet(sshd_server, tmp_path)

    done = fleet.cli("exec", "--systems", "app", "--hosts", "app-1", REPO + "git commit -q")

    assert done.returncode == 1, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "problem with the editor 'false'" in said, said
    assert "timed out" not in said and "timeout" not in said, said


def test_a_command_that_names_its_editor_keeps_it(sshd_server, tmp_path):
    fleet = release_fleet(sshd_server, tmp_path)

    said = 'EDITOR=cat; echo "$EDITOR $VISUAL $GIT_EDITOR"'
    done = fleet.cli("exec", "--systems", "app", "--hosts", "app-1", said)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "app-1: cat false false" in done.stdout, done.stdout
