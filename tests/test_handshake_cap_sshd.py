"""How many hosts are dialled at once when inventory.toml sets no `max_handshakes`. At 50,
`exec` on 200 real hosts paid the cap in client CPU (1.25 x the asyncssh floor's, and
~0.94 x with no cap); each handshake's timers start only once it is under way, so on a
jump host held to a tenth of a core 200 at once timed out no host, and 1,024 at once
timed out 346-991 of 1,000 hosts that were up (bench/RESULTS.md, "The handshake cap on a
slow jump host"). The default is now 200. Real sshd, behind a gate that holds every
connection until as many as the test waits for are under way at once."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w

from tests.cli_fleet import write_fleet
from tests.partition import Partition
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES
from tests.test_remote_lifetime import _wait_for

pytestmark = pytest.mark.sshd

HOSTS = [f"h{i:02}" for i in range(60)]  # past main's 50, within 200


def test_sixty_hosts_are_dialled_at_once_by_default(sshd_server, tmp_path) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[], hosts=HOSTS)
    inventory = fleet.config / "inventory.toml"
    with Partition(sshd_server.server.port, held=True) as gate:
        data = tomllib.loads(inventory.read_text())
        assert "max_handshakes" not in data["ssh"]  # the console's own default
        data["ssh"]["login_timeout"] = 60.0  # held at the gate, then 60 logins on one sshd
        for host in data["systems"][0]["hosts"]:
            host["port"] = gate.port
        inventory.write_text(tomli_w.dumps(data))
        keytype, blob = sshd_server.server.host_public_key.split()[:2]
        with sshd_server.known_hosts.open("a") as handle:
            handle.write(f"[127.0.0.1]:{gate.port} {keytype} {blob}\n")
        started = fleet.started("exec", "--systems", "app", "true")
        try:
            # before any host answers, every handshake is under way (main: 50 of them)
            at_once = f"{len(HOSTS)} connections at once"
            # up to WAIT (30 s): exec starts and dials slowly on a loaded machine
            _wait_for(lambda: gate.held == len(HOSTS), at_once)
            gate.release()
            out, _ = started.communicate(timeout=120)
        finally:
            started.kill()
            started.wait(timeout=30)
    assert started.returncode == 0, out[-2000:]
