"""A host that closes the connection before its SSH banner (sshd at its MaxStartups limit)
is tried again, then said to, quoting what it said. Walked on a README fleet of real sshd
hosts (helper-128): web-5's sshd with MaxStartups 1:100:1 and one login pending read
'disconnected during login: Connection lost', directly and through the bastion; ssh says
'kex_exchange_identification: banner line 0: Exceeded MaxStartups'."""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import tomli_w

from console.paths import example_config
from tests import sshd as sshd_mod
from tests.test_cli_ssh import cli
from tests.test_proxy_max_startups_sshd import dropped_said
from tests.test_remote_lifetime import _wait_for

pytestmark = pytest.mark.sshd
# Tried again (engine/login_drops.py): the slot stays taken through every try.
CLOSED = (
    "closed the connection before its SSH banner 4 times, tried again after a pause each"
    " time, nothing sent, "
)


def _exec(tmp_path, name: str, host: dict, ssh: dict):
    config = tmp_path / name
    shutil.copytree(example_config(), config)
    (config / "console.toml").unlink()
    inventory = {"ssh": ssh, "systems": [{"name": "web", "hosts": [host]}]}
    (config / "inventory.toml").write_text(tomli_w.dumps(inventory))
    argv = ["exec", "--config", str(config), "--systems", "web", "true"]
    return cli(*argv, home=tmp_path, state=tmp_path / "state")


def _one_login_at_a_time(server: sshd_mod.SshdServer) -> None:
    """MaxStartups 1:100:1 (one login pending: every other connection dropped), read as
    sshd reads a changed configuration: on SIGHUP (the first value in the file wins, and
    over the fixture's own, so it is changed in place; -o does not win over it)."""
    text = server.config_path.read_text()
    server.config_path.write_text(re.sub(r"(?m)^MaxStartups .*$", "MaxStartups 1:100:1", text))
    said = len(server.log())
    server.process.send_signal(signal.SIGHUP)
    for _ in range(int(sshd_mod.START_TIMEOUT / 0.02)):  # until it listens again
        if "Server listening" in server.log()[said:]:
            return
        time.sleep(0.02)
    raise TimeoutError(server.log())


@contextlib.contextmanager
def _one_slot_host(sshd_server, sshd_account, tmp_path) -> Iterator[tuple]:
    """An sshd taking one login at a time, and how the console reaches it as web-1:
    (the server, [ssh], the host); the fixture's own sshd is known too (a jump host)."""
    full = sshd_mod.start_sshd(
        tmp_path / "full", sshd_account, authorized_keys=[sshd_server.client_public_key]
    )
    try:
        _one_login_at_a_time(full)
        known = [full, sshd_server.server]
        ssh = {
            "use_ssh_config": False,
            "user": full.user,
            "identity_files": [str(sshd_server.client_key)],
            "known_hosts": str(sshd_mod.write_known_hosts(tmp_path / "known_hosts", known)),
        }
        yield full, ssh, {"name": "web-1", "address": "127.0.0.1", "port": full.port}
    finally:
        full.stop()


def test_a_host_at_its_maxstartups_limit_is_said_to_close_before_its_banner(
    sshd_server, sshd_account, tmp_path
):
    bastion = sshd_server.server
    with _one_slot_host(sshd_server, sshd_account, tmp_path) as (full, ssh, host):
        with socket.create_connection(("127.0.0.1", full.port)) as pending:
            assert pending.recv(64).startswith(b"SSH-2.0-")  # it holds the one slot
            direct = _exec(tmp_path, "direct", host, ssh)
            jump = f"{bastion.user}@127.0.0.1:{bastion.port}"
            through = _exec(tmp_path, "through", {**host, "jump_host": jump}, ssh)
        assert direct.returncode == 1
        assert direct.stderr.startswith(
            f"web-1: FAILED (unreachable): 127.0.0.1:{full.port} {CLOSED}saying 'Exceeded"
            " MaxStartups' (ssh: 'kex_exchange_identification: Connection closed by remote"
            " host')\n"
        ), direct.stderr
        assert through.returncode == 1
        # through the jump host, what it said is heard too (main: 'as sshd does at its
        # MaxStartups limit, or to an address it refuses', not tried again)
        assert through.stderr == direct.stderr, through.stderr
        assert full.accepted_connections() == 0


def test_a_host_behind_a_jump_host_that_never_sends_its_banner_is_said_so(sshd_server, tmp_path):
    """Through a jump host, a host that takes the connection and says nothing read 'no SSH
    login within 2 s', as a login that stalls; directly it read 'no SSH banner within'."""
    bastion = sshd_server.server
    with socket.socket() as silent:  # listening, never accepting: connected, never a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        ssh = {
            "use_ssh_config": False,
            "user": bastion.user,
            "identity_files": [str(sshd_server.client_key)],
            "known_hosts": str(sshd_server.known_hosts),
            "login_timeout": 2.0,
        }
        jump = f"{bastion.user}@127.0.0.1:{bastion.port}"
        host = {"name": "web-1", "address": "127.0.0.1", "port": port, "jump_host": jump}
        through = _exec(tmp_path, "through", host, ssh)
    assert through.returncode == 1
    assert through.stderr.startswith(
        f"web-1: FAILED (unreachable): no SSH answer from 127.0.0.1:{port}: connected, but no"
        " SSH banner within 2 s (the login timeout)\n"
    ), through.stderr


def test_a_login_its_own_sshd_dropped_is_tried_again(sshd_server, sshd_account, tmp_path):
    """The host's own sshd full as it is dialled (no bastion), free again a moment later:
    the dropped login is tried again and goes through, and the command's record says its
    sshd dropped it (main: 'FAILED (unreachable): ... closed the connection before its SSH
    banner, nothing sent, saying 'Exceeded MaxStartups'', exit 1, never tried again)."""
    with _one_slot_host(sshd_server, sshd_account, tmp_path) as (full, ssh, host):
        dropped = "past MaxStartups"
        with ThreadPoolExecutor(1) as running:
            with socket.create_connection(("127.0.0.1", full.port)) as pending:
                assert pending.recv(64).startswith(b"SSH-2.0-")  # it holds the one slot
                before = full.log().count(dropped)
                done = running.submit(_exec, tmp_path, "direct", host, ssh)
                _wait_for(lambda: full.log().count(dropped) > before, "the run's login dropped")
            result = done.result()
    assert result.returncode == 0, result.stderr
    dropped_said(tmp_path / "state", "sshd", r"its sshd had dropped [123] login\(s\)")
