"""exec on 80 hosts from a process allowed 64 open files (`ulimit -Sn 64`; many jump
hosts give 1,024 until asked): 30 hosts read 'FAILED (unreachable): OSError: [Errno 24]
Too many open files', as if they were down. The console raises its soft limit to the hard
one as it starts; where the hard limit itself is too low, the hosts it could not dial say
that this jump host ran out of open files, and that nothing was sent. Real sshd."""

from __future__ import annotations

import os
import pwd
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES

pytestmark = pytest.mark.sshd

HOSTS = [f"h{i:03}" for i in range(80)]
# As a login shell sets them (else asyncssh reads the name from /etc/passwd: one more file)
LOGIN = dict.fromkeys(("USER", "LOGNAME"), pwd.getpwuid(os.getuid()).pw_name)


def _exec(fleet, soft: int, hard: int) -> subprocess.CompletedProcess[str]:
    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    argv = [sys.executable, "-m", "console", "exec", "--config", str(fleet.config)]
    return subprocess.run(
        [*argv, "--systems", "app", "true"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **LOGIN, "ROLLBACK_CONSOLE_STATE": str(fleet.state)},
        preexec_fn=limited,
    )


@pytest.fixture
def fleet(sshd_server, tmp_path: Path):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    return write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[], hosts=HOSTS)


def test_a_low_soft_limit_is_raised(fleet) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1024:
        pytest.skip(f"this machine's hard limit ({hard}) is the test's subject below")
    ran = _exec(fleet, 64, hard)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr
    assert "Too many open files" not in ran.stdout + ran.stderr


def test_a_hard_limit_too_low_is_said_as_this_jump_hosts(fleet) -> None:
    ran = _exec(fleet, 64, 64)
    said = ran.stdout + ran.stderr
    assert ran.returncode == 1, said
    assert "Errno 24" not in said and "Too many open files" not in said, said
    failed = [line for line in said.splitlines() if ": FAILED" in line]
    assert failed, said
    for line in failed:
        assert "open files ran out on this jump host (ulimit -n 64), nothing sent" in line, line
