"""The remote supervisor under each login shell a host's account may have: through a real
sshd (an account with that login shell), and run as sshd runs a command (`SHELL -c
COMMAND`, argv[0] the shell's name, SHELL set to it, a session of its own, stdin a pipe
held open as a channel's): the command runs in /bin/sh, its output and exit status come
back, a lost session or a TERM stops what it started, a `detach` lets it run on, and what
it left running on purpose stays."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import asyncssh
import pytest

from console.engine.supervisor import ATTEMPT_TAG, DETACH, supervised
from tests import sshd

SHELLS = [
    s
    for s in ("/bin/sh", "/bin/dash", "/bin/bash", shutil.which("zsh"), shutil.which("fish"))
    if s and os.path.exists(s)
]
WAIT = 30.0
# Words sh reads its own way: quotes and backslashes (fish reads \\ and \' in single
# quotes), brace expansion (bash and zsh), an assignment (fish), arithmetic.
COMMAND = r"""x='it'\''s'
printf '%s|' "$x" 'a\\b' 'c\' {a,b} "$((1 + 2))"
echo
echo to-stderr >&2
exit 3"""


class Login:
    """`supervised(command)` started by `shell` as sshd starts a command."""

    def __init__(self, shell: str, command: str, cwd: Path, path: str = ""):
        self.out, self.err = cwd / "out", cwd / "err"
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.process = subprocess.Popen(
                [os.path.basename(shell), "-c", supervised(command, "0123456789ab")],
                executable=shell,
                env={"PATH": path or os.environ["PATH"], "HOME": str(cwd), "SHELL": shell},
                cwd=cwd,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def wait(self) -> int:
        """Its exit status (negative: its signal); stdin closed after, as sshd does."""
        status = self.process.wait(timeout=WAIT)
        self.close()
        return status

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _pid(path: Path) -> int:
    _until(lambda: path.is_file() and path.read_text().strip(), str(path))
    return int(path.read_text())


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("shell", SHELLS)
def test_the_command_runs_in_sh_with_its_output_and_status(shell, tmp_path):
    expected = subprocess.run(["/bin/sh", "-c", COMMAND], capture_output=True, check=False)
    login = Login(shell, COMMAND, tmp_path)
    assert login.wait() == 3
    assert login.out.read_bytes() == expected.stdout == b"it's|a\\\\b|c\\|{a,b}|3|\n"
    assert login.err.read_bytes() == b"to-stderr\n"


@pytest.mark.sshd
@pytest.mark.parametrize("shell", SHELLS)
def test_through_a_real_sshd_the_command_runs_in_sh_whatever_the_login_shell(shell, tmp_path):
    if os.geteuid() != 0 or not sshd.sshd_available():
        pytest.skip("needs root (an account of its own with this login shell) and sshd")
    name = "rbtest" if shell == "/bin/sh" else f"rbtest-{os.path.basename(shell)}"
    account = sshd.ensure_test_account(name, shell)
    key, public_key = sshd.make_client_key(tmp_path)
    server = sshd.start_sshd(tmp_path / "sshd", account, authorized_keys=[public_key])
    try:
        said = asyncio.run(_over_ssh(server, account, key, ['printf %s "$SHELL"', COMMAND]))
    finally:
        server.stop()
    expected = subprocess.run(["/bin/sh", "-c", COMMAND], capture_output=True, check=False)
    assert said[0] == (0, shell, "")  # sshd says the login shell in SHELL
    assert said[1] == (3, expected.stdout.decode(), "to-stderr\n")


async def _over_ssh(server, account, key: Path, commands: list[str]) -> list[tuple]:
    """(exit status, stdout, stderr) of each command, supervised, its stdin left open."""
    async with asyncssh.connect(
        sshd.HOST,
        server.port,
        username=account.name,
        client_keys=[str(key)],
        known_hosts=None,
        config=None,
        agent_path=None,
    ) as conn:
        said = []
        for command in commands:
            process = await conn.create_process(supervised(command, "0123456789ab"))
            done = await process.wait(check=False, timeout=WAIT)
            said.append((done.exit_status, done.stdout, done.stderr))
        return said


@pytest.mark.parametrize("shell", SHELLS)
def test_the_wrapper_carries_the_token_and_sh_reads_it_without_a_second_sh(shell, tmp_path):
    login = Login(shell, "tr '\\0' ' ' </proc/$$/cmdline", tmp_path)
    assert login.wait() == 0
    args = login.out.read_text()
    if shell == "/bin/sh":  # the login shell itself is the wrapper: no exec of /bin/sh
        assert args.startswith(f'sh -c # {ATTEMPT_TAG}0123456789ab\ntest "$SHELL" = /bin/sh')
    else:
        assert args.startswith(f"/bin/sh -c # {ATTEMPT_TAG}0123456789ab\n_stop() {{")


@pytest.mark.parametrize("shell", SHELLS)
def test_a_lost_session_stops_the_command_and_what_it_started(shell, tmp_path):
    login = Login(shell, "sleep 60 & echo $! > bg.pid; echo $$ > fg.pid; sleep 60", tmp_path)
    started = [_pid(tmp_path / "bg.pid"), _pid(tmp_path / "fg.pid")]
    login.close()  # the channel's stdin ends: the session is gone
    assert login.process.wait(timeout=WAIT) == -signal.SIGTERM
    _until(lambda: not any(_alive(p) for p in started), "the command's processes to end")


@pytest.mark.parametrize("shell", SHELLS)
def test_a_term_reaches_the_whole_process_group(shell, tmp_path):
    login = Login(shell, "sleep 60 & echo $! > bg.pid; sleep 60", tmp_path)
    started = _pid(tmp_path / "bg.pid")
    login.process.send_signal(signal.SIGTERM)  # as sshd delivers the console's TERM
    assert login.wait() == -signal.SIGTERM
    _until(lambda: not _alive(started), "the background sleep to end")


@pytest.mark.parametrize("shell", SHELLS)
def test_a_term_ends_what_ignores_it_after_a_grace(shell, tmp_path):
    """A command that ignores TERM (a restart script that traps it, past its step's
    timeout) ran on: the wrapper's TERM ended the wrapper, and the console's KILL after it
    reached only the wrapper, gone (helper-149, on real sshd). What is left of the group
    after the grace is KILLed."""
    command = "trap '' TERM; sleep 60 & echo $! > bg.pid; echo $$ > fg.pid; sleep 60"
    login = Login(shell, command, tmp_path)
    started = [_pid(tmp_path / "bg.pid"), _pid(tmp_path / "fg.pid")]
    login.process.send_signal(signal.SIGTERM)  # as sshd delivers the console's TERM
    assert login.wait() in (-signal.SIGTERM, -signal.SIGKILL)
    _until(lambda: not any(_alive(p) for p in started), "what ignored TERM to end")


def test_a_term_on_a_host_without_ps_says_nothing_of_it(tmp_path):
    """A minimal container has no `ps`: the TERM ends the command as before, and the
    grace's look at what is left adds no 'ps: not found' to the command's output."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("sleep", "awk"):
        (bin_ / tool).symlink_to(shutil.which(tool) or tool)
    login = Login("/bin/sh", "echo $$ > fg.pid; sleep 60", tmp_path, path=str(bin_))
    started = _pid(tmp_path / "fg.pid")
    login.process.send_signal(signal.SIGTERM)
    assert login.wait() == -signal.SIGTERM
    _until(lambda: not _alive(started), "the command to end")
    assert login.err.read_text() == ""


@pytest.mark.parametrize("shell", SHELLS)
def test_detach_lets_the_command_run_on_and_what_it_left_stays(shell, tmp_path):
    command = "sleep 60 >/dev/null 2>&1 & echo $! > bg.pid; sleep 0.5; echo done"
    login = Login(shell, command, tmp_path)
    assert login.process.stdin is not None
    login.process.stdin.write(f"{DETACH}\n".encode())
    login.process.stdin.flush()
    login.close()  # the console gone after its detach
    assert login.process.wait(timeout=WAIT) == 0
    assert login.out.read_text() == "done\n"
    left = _pid(tmp_path / "bg.pid")
    try:
        time.sleep(0.3)  # what the watcher would have done, it would have done by now
        assert _alive(left)
    finally:
        os.kill(left, signal.SIGKILL)
