"""exec on 80 hosts from a process allowed 64 open files (`ulimit -Sn 64`; many jump
hosts give 1,024 until asked): 30 hosts read 'FAILED (unreachable): OSError: [Errno 24]
Too many open files', as if they were down. The console raises its soft limit to the hard
one as it starts; where the hard limit itself is too low, the hosts it could not dial say
that this jump host ran out of open files, and that nothing was sent; check-config says
so before any incident, counting a run's connections against the limit. Real sshd."""

from __future__ import annotations

import os
import pwd
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES

pytestmark = pytest.mark.sshd

HOSTS = [f"h{i:03}" for i in range(80)]
# As a login shell sets them (else asyncssh reads the name from /etc/passwd: one more file)
LOGIN = dict.fromkeys(("USER", "LOGNAME"), pwd.getpwuid(os.getuid()).pw_name)


def _exec(fleet, soft: int, hard: int, *args: str) -> subprocess.CompletedProcess[str]:
    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    argv = [sys.executable, "-m", "console", *(args or ["exec"]), "--config", str(fleet.config)]
    return subprocess.run(
        [*argv, *([] if args else ["--systems", "app", "true"])],
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
    checked = _exec(fleet, 64, hard, "check-config")
    assert checked.returncode == 0 and "open files" not in checked.stderr, checked.stderr


RUN = ("run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact", "--yes")
FLAG_RUN = (
    *("run", "--systems", "app", "--strategy", "flag-api", "--trigger", "user-impact"),
    *("--reason", "x", "--yes"),
)
# A command step on the hosts, then the strategy (on the jump host)
LOOK_FIRST = {
    **FLAG_PROCEDURE,
    "phases": [
        FLAG_PROCEDURE["phases"][0],
        {
            "phase": "execution",
            "steps": [
                {"id": "look", "title": "Look", "kind": "command", "command": "true"},
                *FLAG_PROCEDURE["phases"][1]["steps"],
            ],
        },
        FLAG_PROCEDURE["phases"][2],
    ],
}


def test_a_hard_limit_too_low_closes_idle_connections_to_make_room(fleet) -> None:
    """A run keeps every host's connection to its last step: 80 of them and the console's
    own files do not fit in 64. The console's own files never run out (no internal error),
    and no host fails for it: the idle connections are closed to make room, the one idle
    longest first, their hosts dialled again when next used, and the wave's line says so
    (main: the 48 hosts past the room read 'not dialled: this process's open files ran
    out', never dialled)."""
    ran = _exec(fleet, 64, 64, *RUN, "--reason", "x")
    said = ran.stdout + ran.stderr
    assert ran.returncode == 0, said[-3000:]
    assert "Errno 24" not in said and "Too many open files" not in said, said
    assert "internal error" not in said and "not dialled" not in said, said
    wave = re.search(
        r"wave 1 of 1 finished: 80 ok, 0 failed; (\d+) idle connection\(s\) closed to make room"
        r" for open files \(ulimit -n 64\), their hosts dialled again when next used\n",
        said,
    )
    assert wave and int(wave[1]) >= 80 - 32, said[-3000:]  # the room: 64 less the console's 32
    # said before an incident too: check-config counts a run's connections against it
    checked = _exec(fleet, 64, 64, "check-config")
    assert checked.returncode == 0, checked.stderr
    assert (
        "warning: open files: a run's connections hold 80 (a host's one, two through a proxy"
        " command, none through a jump host; a jump host's one) besides the console's own"
        " files, 112 in all, and this jump host allows 64 (ulimit -Hn: 64): idle ones are"
        " closed to make room, their hosts dialled again when next used (a login more each,"
        " slower); raise the hard limit (nofile in /etc/security/limits.conf, LimitNOFILE= for"
        " a service)\n"
    ) in checked.stderr, checked.stderr


def test_connections_a_step_left_idle_make_room_for_commands_on_the_jump_host(
    sshd_server, tmp_path
) -> None:
    """A step on 30 hosts keeps their connections (30 files of the 32 that `ulimit -n 64`
    leaves beside the console's own), then the strategy runs on the jump host, three pipes
    a command: main read every host 'not started: this process's open files ran out on
    this jump host (ulimit -n 64, its connections hold them)', as the console did after
    its picker's SSH check of 300 hosts under `ulimit -n 256`. The idle connections are
    closed to make room, and every command runs."""
    fleet = _jump_host_fleet(sshd_server, tmp_path, "true", 30, LOOK_FIRST)
    ran = _exec(fleet, 64, 64, *FLAG_RUN)
    said = ran.stdout + ran.stderr
    assert ran.returncode == 0, said[-3000:]
    assert "not started" not in said and "Too many open files" not in said, said[-3000:]
    assert re.search(r" look +wave 1 of 1 finished: 30 ok, 0 failed\n", said), said[-3000:]
    assert re.search(
        r" restore +wave 1 of 1 finished: 30 ok, 0 failed; \d+ of its commands on the jump"
        r" host waited their turn for open files \(ulimit -n 64\); \d+ idle connection\(s\)"
        r" closed to make room for open files, their hosts dialled again when next used\n",
        said,
    ), said[-3000:]


def test_commands_on_the_jump_host_wait_their_turn_for_open_files(sshd_server, tmp_path) -> None:
    """A strategy run on the jump host starts a process a host (three pipes each),
    `max_commands` (200) at once: under `ulimit -n 64`, 30 hosts' commands read 'cannot
    start: [Errno 24] Too many open files' past the 16th or so, those hosts failed for
    nothing of theirs. They wait their turn, and the wave's line says so."""
    fleet = _jump_host_fleet(sshd_server, tmp_path, "sleep 0.2", 30)
    ran = _exec(fleet, 64, 64, "run", "--systems", "app", "--strategy", "flag-api",
                "--trigger", "user-impact", "--reason", "x", "--yes")  # fmt: skip
    said = ran.stdout + ran.stderr
    assert ran.returncode == 0, said[-3000:]
    assert "Errno 24" not in said and "Too many open files" not in said, said
    assert "wave 1 of 1 finished: 30 ok, 0 failed; " in said, said
    assert (
        " of its commands on the jump host waited their turn for open files (ulimit -n 64)\n"
        in said
    )


def test_a_hangup_while_commands_wait_their_turn_for_open_files_ends_the_run(
    sshd_server, tmp_path
) -> None:
    """SIGHUP (its terminal closed) while most hosts' commands on the jump host waited
    their turn for open files: nothing new starts, so each was to be said not started. A
    command ending woke one waiter, which left without passing the turn on: `run` never
    ended (60 hosts, 5 at once: the 10 commands ending freed 10 of 55 waiting) and its
    locks stayed held until a kill -TERM. Now each says so at once and `run` exits 129."""
    fleet = _jump_host_fleet(sshd_server, tmp_path, "sleep 1", 60)
    argv = [sys.executable, "-m", "console", "run", "--config", str(fleet.config)]
    argv += ["--systems", "app", "--strategy", "flag-api", "--trigger", "user-impact"]
    out = tmp_path / "out"
    with open(out, "w") as said:
        run = subprocess.Popen(
            [*argv, "--reason", "x", "--yes"],
            stdout=said,
            stderr=subprocess.STDOUT,
            env={**os.environ, **LOGIN, "ROLLBACK_CONSOLE_STATE": str(fleet.state)},
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64)),
        )
    try:
        deadline = time.monotonic() + 60
        while "sending action" not in out.read_text() and run.poll() is None:
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.05)
        run.send_signal(signal.SIGHUP)
        assert run.wait(timeout=30) == 129, out.read_text()[-3000:]
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    text = out.read_text()
    wave = re.search(r"wave 1 of 1 finished: (\d+) ok, 0 failed, (\d+) not started", text)
    assert wave and int(wave[1]) + int(wave[2]) == 60 and int(wave[2]), text[-3000:]
    assert "STOPPED, left open: ended by SIGHUP" in text, text[-3000:]
    # no host is reached for a command on the jump host (it read 'while its host was being
    # reached')
    assert (
        "not started at restore · action: stopped before it began: ended by SIGHUP before it"
        " was started on the jump host: nothing sent\n" in text
    ), text[-3000:]


def test_a_halt_starts_none_of_the_commands_waiting_their_turn_for_open_files(
    sshd_server, tmp_path
) -> None:
    """max_fail_percentage 25 on 60 hosts whose action fails, under `ulimit -n 64` (5
    commands on the jump host at once): the run halted at 16 failed, and then sent the
    action to the other 44 all the same, one after the other ('halted the run: 16 of 60
    hosts had failed', then `60 failed`), where `max_commands = 5` starts none of them. A
    halt starts none of those still waiting their turn: each says so, nothing sent."""
    fleet = _jump_host_fleet(sshd_server, tmp_path, "exit 1", 60, max_fail_percentage=25)
    ran = _exec(fleet, 64, 64, "run", "--systems", "app", "--strategy", "flag-api",
                "--trigger", "user-impact", "--reason", "x", "--yes")  # fmt: skip
    said = ran.stdout + ran.stderr
    assert ran.returncode == 1, said[-3000:]
    assert "halted the run: 16 of 60 hosts had failed" in said, said[-3000:]
    # each host that ran it: the 16th's failure halts it, with at most 4 others running
    failed = len(re.findall(r"(?m)^\S+  h\d+ +action failed: non-zero exit", said))
    assert 16 <= failed <= 20, (failed, said[-3000:])
    not_started = re.findall(
        r"(?m)^\S+  h\d+ +did not start: the run was halted: 16 of 60 hosts had failed, more"
        r" than max_fail_percentage 25% before it was started on the jump host: nothing sent$",
        said,
    )
    assert failed + len(not_started) == 60, said[-3000:]


def _jump_host_fleet(
    sshd_server, tmp_path: Path, sleep: str, hosts: int, procedure: dict = FLAG_PROCEDURE, **more
):
    """`hosts` hosts whose strategy (with `more`) runs on the jump host: `sleep`, then a
    line a host."""
    strategy = {
        "name": "flag-api",
        "kind": "custom",
        "runs_on": "jump-host",
        "commands": {"action": f"{sleep}; echo off {{{{host}}}}", "verify": "true"},
        **more,
    }
    files = {"strategies.toml": {"strategies": [strategy]}, "procedure.toml": procedure}
    return write_fleet(
        sshd_server, tmp_path, files, strategies=["flag-api"], probes=[], hosts=HOSTS[:hosts]
    )
