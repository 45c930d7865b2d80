"""How many hosts are dialled, and sent their command, at once when inventory.toml sets no
`max_handshakes` nor `max_commands`. Handshakes: at 50,
`exec` on 200 real hosts paid the cap in client CPU (1.25 x the asyncssh floor's, and
~0.94 x with no cap); each handshake's timers start only once it is under way, so on a
jump host held to a tenth of a core 200 at once timed out no host, and 1,024 at once
timed out 346-991 of 1,000 hosts that were up (bench/RESULTS.md, "The handshake cap on a
slow jump host"). The default is now 200. Commands: at 64, a step on 200 hosts ran as four
rounds, each freed slot waiting for its next host's intent's fsync; at 200 the command cap
is 200 too (bench/RESULTS.md, "The command cap"). Real sshd, behind a gate that holds every
connection until as many as the test waits for are under way at once, then a command that
waits until every host has begun its own."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w

from tests.cli_fleet import write_fleet
from tests.partition import Partition
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES
from tests.test_remote_lifetime import _wait_for

pytestmark = pytest.mark.sshd

HOSTS = [f"h{i:02}" for i in range(70)]  # past the old caps (50 handshakes, 64 commands)


def test_seventy_hosts_are_dialled_and_sent_their_command_at_once_by_default(
    sshd_server, tmp_path
) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[], hosts=HOSTS)
    inventory = fleet.config / "inventory.toml"
    with Partition(sshd_server.server.port, held=True) as gate:
        data = tomllib.loads(inventory.read_text())
        assert not {"max_handshakes", "max_commands"} & set(data["ssh"])  # the defaults
        data["ssh"]["login_timeout"] = 60.0  # held at the gate, then 70 logins on one sshd
        for host in data["systems"][0]["hosts"]:
            host["port"] = gate.port
        inventory.write_text(tomli_w.dumps(data))
        keytype, blob = sshd_server.server.host_public_key.split()[:2]
        with sshd_server.known_hosts.open("a") as handle:
            handle.write(f"[127.0.0.1]:{gate.port} {keytype} {blob}\n")
        begun, go = sshd_server.sandbox("begun"), sshd_server.sandbox("go") / "go"
        # Each host notes that it has begun, then waits (bounded) for the test's go.
        wait = f"touch {begun}/$$; n=0; until [ -e {go} ] || [ $n -gt 1200 ]; do"
        wait += " n=$((n+1)); sleep 0.05; done"
        started = fleet.started("exec", "--systems", "app", wait)
        try:
            # before any host answers, every handshake is under way (before: 50 of them)
            at_once = f"{len(HOSTS)} connections at once"
            # up to WAIT (30 s): exec starts and dials slowly on a loaded machine
            _wait_for(lambda: gate.held == len(HOSTS), at_once)
            gate.release()
            # every host's command under way at once (before: 64 of them, the rest queued)
            _wait_for(lambda: len(list(begun.iterdir())) == len(HOSTS), "commands at once")
            go.touch()
            out, _ = started.communicate(timeout=120)
        finally:
            started.kill()
            started.wait(timeout=30)
    assert started.returncode == 0, out[-2000:]
