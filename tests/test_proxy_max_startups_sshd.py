"""Hosts behind a bastion reached by ProxyCommand (`ssh -W %h:%p bastion`): each handshake
is one more login on the bastion, whose sshd drops logins past its MaxStartups (OpenSSH's
default 10:30:100: at random once 10 are pending). Walked on real sshd (helper-262,
bench/bastion.py): with every host dialled at once (max_handshakes, 200), 4 of 30 hosts
read 'FAILED (unreachable): proxy command ... ended (exit status 255) before the SSH banner
..., saying 'kex_exchange_identification: read: Connection reset by peer ...'', at random,
nothing naming the bastion's limit; a jump_host (one login, its channels) lost none.
Handshakes through proxy commands are now `max_proxy_handshakes` at once (10 unless set),
and a drop names the bastion's MaxStartups and the key to lower. A login dropped is tried
again (nothing was sent), a few times after a pause: a host behind a bastion busy for a
moment read unreachable though it was up; its command's record says it was retried."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from console.engine.failures import OK, ExecResult
from console.engine.reach import ReachCheck
from console.engine.ssh import SshPool
from console.engine.targets import targets_for
from console.journal.describe import describe
from console.journal.store import read_journal
from console.model.events import Event, Kind
from console.model.loading import load_settings
from console.ui.screens.execution_rows import output_lines
from console.ui.widgets.reach_text import reach_text
from tests import sshd as sshd_mod
from tests.ssh_homes import ssh_home
from tests.test_cli_ssh import cli, config_dir
from tests.test_remote_lifetime import _wait_for

pytestmark = pytest.mark.sshd
T = TypeVar("T")
HOSTS = [f"svc-{i}" for i in range(1, 7)]


@contextlib.contextmanager
def _full(bastion) -> Iterator[list[socket.socket]]:
    """The bastion's 3 pending logins taken (its MaxStartups 3:100:3): every other dropped."""
    pending: list[socket.socket] = []
    deadline = time.monotonic() + 30  # the readiness probe's login may still be pending
    try:
        while len(pending) < 3:
            pending.append(socket.create_connection(("127.0.0.1", bastion.port)))
            if not pending[-1].recv(64).startswith(b"SSH-2.0-"):  # 'Exceeded MaxStartups'
                pending.pop().close()
                assert time.monotonic() < deadline, "the bastion never took 3 logins"
                time.sleep(0.05)
        yield pending
    finally:
        for sock in pending:
            sock.close()


@pytest.fixture
def behind_bastion(sshd_server, sshd_account, tmp_path) -> Iterator[tuple]:
    """A bastion sshd that drops every login past 3 pending, hosts reached through it by
    ProxyCommand: (the bastion, `exec`'s arguments but the command, the run's $HOME)."""
    target, key = sshd_server.server, sshd_server.client_key
    bastion = sshd_mod.start_sshd(  # drops every login past 3 pending (the last line wins)
        tmp_path / "bastion",
        sshd_account,
        extra_config="MaxStartups 3:100:3",
        authorized_keys=[sshd_server.client_public_key],
    )
    try:
        known = sshd_mod.write_known_hosts(tmp_path / "bastion_known_hosts", [bastion])
        home = ssh_home(
            tmp_path,
            f"Host svc-*\n  HostName 127.0.0.1\n  Port {target.port}\n  User {target.user}\n"
            f"  IdentityFile {key}\n  UserKnownHostsFile {sshd_server.known_hosts}\n"
            f"  ProxyCommand ssh -F /dev/null -i {key} -o BatchMode=yes"
            f" -o UserKnownHostsFile={known} -p {bastion.port} -l %r -W %h:%p 127.0.0.1\n",
        )
        ssh = {"config_files": ["~/.ssh/config"], "max_proxy_handshakes": 2}
        system = {"name": "svc", "strategies": ["version-rollback"]}
        system["hosts"] = [{"name": h} for h in HOSTS]
        directory = config_dir(tmp_path, {"ssh": ssh, "systems": [system]})
        yield bastion, ["exec", "--config", str(directory), "--systems", "svc"], home
    finally:
        bastion.stop()


def test_proxied_handshakes_stay_within_the_bastions_max_startups(behind_bastion, tmp_path):
    bastion, exec_, home = behind_bastion
    result = cli(*exec_, "true", home=home, state=tmp_path / "state")
    assert result.returncode == 0, result.stderr  # main: 3 to 5 of the 6 dropped

    with _full(bastion):  # every login dropped, each retry too: said with its cause, its fix
        result = cli(*exec_, "--hosts", "svc-1", "true", home=home, state=tmp_path / "state")
    assert result.returncode == 1, result.stderr
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("svc-1: "))
    assert line.startswith(
        "svc-1: FAILED (unreachable): its bastion dropped the login of its proxy command 4"
        " times, tried again after a pause each time, nothing sent: sshd drops logins past its"
        " MaxStartups (OpenSSH's default 10:30:100: at random once 10 are pending); up to 2"
        " handshakes go through proxy commands at once: lower max_proxy_handshakes in"
        " inventory.toml's [ssh], or raise MaxStartups on the bastion (proxy command `ssh -F"
        " /dev/null"
    ), line
    assert "ended (exit status 255) before the SSH banner of 127.0.0.1:" in line, line
    assert "saying 'kex_exchange_identification: " in line, line


def test_a_login_its_bastion_dropped_is_tried_again(behind_bastion, tmp_path):
    """The bastion full as the host is dialled, free again a moment later: the dropped
    login is tried again and goes through (main: 'FAILED (unreachable): its bastion dropped
    the login ...', exit 1), and the journal says it was."""
    bastion, exec_, home = behind_bastion
    state = tmp_path / "state"
    with ThreadPoolExecutor(1) as running:
        with _full(bastion):
            # _full's own login may have been dropped (the readiness probe's was pending):
            # the run's is one more
            dropped = "past MaxStartups"
            before = bastion.log().count(dropped)
            done = running.submit(cli, *exec_, "--hosts", "svc-1", "true", home=home, state=state)
            _wait_for(lambda: bastion.log().count(dropped) > before, "a login of the run dropped")
        result = done.result()
    assert result.returncode == 0, result.stderr
    said = dropped_said(
        state, "proxy", r"its bastion had dropped [123] login\(s\) of its proxy command"
    )
    # the console's output pane says it too, below the command's end
    shown = output_lines(said, said.where.step, "svc-1", "k")
    assert shown == ["✔ run: exit 0", "  " + describe(said).partition(" (")[2][:-1]], shown


def dropped_said(state: Path, at: str, words: str) -> Event:
    """The run's one command.result, which says that `at` dropped its logins, tried again,
    in `words` (a pattern)."""
    [journal] = state.glob("incidents/*/journal.jsonl")
    [said] = [e for e in read_journal(journal).events if e.kind == Kind.COMMAND_RESULT]
    assert said.data.dropped_at == {at: said.data.logins_dropped}, said.data
    pattern = r"run succeeded in [0-9.]+ s \(" + words + " first, MaxStartups: tried again,"
    assert re.fullmatch(pattern + r" nothing had been sent\)", describe(said)), describe(said)
    return said


def _dropped_once(bastion, run: Callable[[], T]) -> T:
    """`run()` in a thread while the bastion drops every login, until it has dropped one
    of `run`'s; then the bastion is free again, and `run`'s retry goes through."""
    dropped = "past MaxStartups"
    with ThreadPoolExecutor(1) as running:
        with _full(bastion):
            # _full's own login may have been dropped (the readiness probe's was pending):
            # the run's is one more
            before = bastion.log().count(dropped)
            done = running.submit(run)
            _wait_for(lambda: bastion.log().count(dropped) > before, "a login of the run dropped")
        return done.result()


def test_a_checks_dropped_logins_are_not_its_hosts_next_commands(
    behind_bastion, tmp_path, monkeypatch
):
    """The picker's SSH check dialled a host whose bastion dropped its login, tried again:
    those drops are the check's (its answer says them), not the next command's, which ran
    on the connection the check opened (main: that command's record said the bastion had
    dropped its logins, `logins_dropped` on its command.result)."""
    _, exec_, home = behind_bastion
    monkeypatch.setenv("HOME", str(home))
    settings = load_settings(Path(exec_[2]))
    [target] = targets_for(settings.inventory, ["svc-1"])

    async def check_then_command() -> tuple[ReachCheck, ExecResult]:
        pool = SshPool(settings.inventory.ssh)
        try:
            check = ReachCheck(pool, settings.inventory)
            await check.start(["svc-1"])
            ended = await pool.execute(target, "true", 30, lambda *_: None, "h-1")
            return check, ended
        finally:
            await pool.close()

    check, ended = _dropped_once(behind_bastion[0], lambda: asyncio.run(check_then_command()))
    assert ended == OK, ended  # nothing dropped on its way: it dialled nothing
    reach = check.results["svc-1"]
    assert reach.ok and dict(reach.dropped).get("proxy"), reach
    # the picker says so, under its count: the bastion is at its MaxStartups now
    said = reach_text(check, ["svc-1"], "all", None, 42, str).plain.splitlines()
    assert said[0] == "SSH check (all 1): ✔ 1 up", said
    assert " ".join(said[1:3]) == (
        "1 up only once a login dropped on the way (MaxStartups) was tried again"
    ), said


def test_a_jump_hosts_own_dropped_logins_are_said(sshd_server, behind_bastion, tmp_path):
    """A jump host reached by ProxyCommand through a bastion that dropped its login, tried
    again: the command of the host whose dial opened the jump host's connection says so
    (main: nothing said, those drops kept under the jump host, never read)."""
    bastion, exec_, _ = behind_bastion
    target, key = sshd_server.server, sshd_server.client_key
    known = tmp_path / "bastion_known_hosts"
    login = (
        f"  User {target.user}\n  IdentityFile {key}\n"
        f"  UserKnownHostsFile {sshd_server.known_hosts}\n"
    )
    home = ssh_home(
        tmp_path / "jump",
        f"Host jump\n  HostName 127.0.0.1\n  Port {target.port}\n{login}"
        f"  ProxyCommand ssh -F /dev/null -i {key} -o BatchMode=yes"
        f" -o UserKnownHostsFile={known} -p {bastion.port} -l %r -W %h:%p 127.0.0.1\n"
        f"Host svc-*\n  HostName 127.0.0.1\n  Port {target.port}\n{login}  ProxyJump jump\n",
    )
    state = tmp_path / "state"
    argv = [*exec_, "--hosts", "svc-1", "true"]
    result = _dropped_once(bastion, lambda: cli(*argv, home=home, state=state))
    assert result.returncode == 0, result.stderr
    words = r"jump host jump's own login had been dropped [123] time\(s\)"
    dropped_said(state, "jump host jump", words)
