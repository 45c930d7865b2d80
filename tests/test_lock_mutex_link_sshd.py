"""The lock directory's mutex in a team's lock_dir (2770) is never opened through a link
another account planted there: on a real OpenSSH fleet, `exec` takes and lets go of its
system's lock without touching the file the link names."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.test_channel_headers_sshd import STRATEGIES, procedure
from tests.test_planted_links import PRIVATE, planted, private_file, team_dir

pytestmark = pytest.mark.sshd


def test_a_link_planted_as_the_lock_mutex_is_refused_and_its_target_untouched(
    sshd_server, tmp_path: Path
):
    """Seen with lock_dir a team's directory where another account had planted
    `acquire.mutex` -> this account's private file (0600): `exec` opened the mutex
    through the link and, finding the file this account's own, made it 0640, readable by
    the whole team (a private key so planted is then refused by ssh too)."""
    team, other = team_dir(tmp_path)
    victim = private_file(tmp_path)
    planted(team / "acquire.mutex", victim, other)
    files = {
        "console.toml": {"lock_dir": str(team)},
        "strategies.toml": STRATEGIES,
        "procedure.toml": procedure("http://127.0.0.1:9/unused"),
    }
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[])
    done = fleet.cli("exec", "--systems", "app", "true")
    assert stat.S_IMODE(victim.stat().st_mode) == 0o600, oct(victim.stat().st_mode)
    assert victim.read_text() == PRIVATE
    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        f"{team / 'acquire.mutex'}: is a symbolic link, not the lock directory's own file:"
        " remove it" in done.stderr
    ), done.stderr
