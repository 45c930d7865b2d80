"""A command that reads its standard input gets end-of-file at once, never waits out its
timeout on input nobody can type: the remote supervisor gives it /dev/null (its channel's
stdin is the supervisor's own, watched for the session's end). Checked by helper-147 on a
real sshd, the command line as a user runs it: `read x`, `cat`, a Python `input()`, and
(tests/test_sudo_sshd) a sudo that wants a password each end at once in their own words,
with a command timeout of 60 s never reached. Real OpenSSH sshd."""

from __future__ import annotations

import pytest

from tests.test_sudo_sshd import _exec

pytestmark = pytest.mark.sshd

READERS = {
    'read x; echo "read gave [$x], exit $?"': "web-1: read gave [], exit 1",
    "cat; echo cat ended": "web-1: cat ended",
    "python3 -c 'input()' 2>/dev/null; echo input ended $?": "web-1: input ended 1",
    "ls -l /proc/self/fd/0 | sed 's/.*-> //'": "web-1: /dev/null",
}


@pytest.mark.parametrize("command", list(READERS))
def test_a_command_reading_its_input_gets_end_of_file_at_once(tmp_path, sshd_server, command):
    done = _exec(tmp_path, sshd_server.server, sshd_server.client_key, command, 60)
    assert done.returncode == 0, done.stdout + done.stderr  # not a timeout (exit 1)
    assert READERS[command] in done.stdout.splitlines(), done.stdout
    assert "timeout" not in done.stderr
