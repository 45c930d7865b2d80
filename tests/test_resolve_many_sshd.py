"""Hosts that give different values for `target = previous`, at fleet scale: the line
that stops the step names each value and a few of its hosts, the most first, and counts
the rest. Walked on 200 sshd hosts (20 of them halted midway, still on the good 2.9.1):
headless run's last line named all 200 hosts one by one, and the console's toast filled
the screen at 80x24; now `(2.9.1 on h0001, h0002, h0003 +177 more; 2.8.0 on h0181, h0182,
h0183 +17 more)`. Real OpenSSH sshd, the command line as a user runs it."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w

from tests.fleet_settings import chown_tree
from tests.sshd import _free_port
from tests.test_needed_nothing_sshd import STRATEGIES, releases, releases_fleet, run

pytestmark = pytest.mark.sshd

HOSTS = tuple(f"app-{n:02d}" for n in range(1, 13))
HALTED = HOSTS[9:]  # the delivery never reached them: previous there is 2.8.0


def test_different_values_are_said_by_value_a_few_hosts_each(sshd_server, tmp_path):
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, HOSTS)
    for host in HALTED:
        sandbox = fleet.sandboxes[host]
        (sandbox / "releases" / "2.8.0").mkdir()
        (sandbox / "current").unlink()
        (sandbox / "current").symlink_to("releases/2.9.1")
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    before = releases(fleet)

    stopped = run(fleet, tmp_path / "run")

    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert releases(fleet) == before
    verdict = stopped.stdout.strip().splitlines()[-1]
    said = (
        "target=previous stands for different values on the hosts (2.9.1 on app-01, app-02,"
        " app-03 +6 more; 2.8.0 on app-10, app-11, app-12): run again naming it"
    )
    assert said in verdict, verdict
    assert "app-04" not in verdict, verdict


def test_hosts_that_cannot_answer_are_named_a_few_with_why_and_the_rest_counted(
    sshd_server, tmp_path
):
    """Walked on 200 hosts with one sshd of 16 down: each host refused at its own port,
    the `Resolved:` line named all 16 with their reasons (894 characters). Now the three
    reasons said most, then the other hosts counted, a few named."""
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, HOSTS)
    down = HOSTS[:5]  # nothing listens on their ports
    path = fleet.config / "inventory.toml"
    inventory = tomllib.loads(path.read_text())
    for host in inventory["systems"][0]["hosts"]:
        if host["name"] in down:
            host["port"] = _free_port()
    path.write_text(tomli_w.dumps(inventory))
    path = fleet.config / "procedure.toml"  # no command step before it: they would fail there
    procedure = tomllib.loads(path.read_text())
    for phase in procedure["phases"]:
        phase["steps"] = [s for s in phase["steps"] if s["kind"] != "command"]
    path.write_text(tomli_w.dumps(procedure))

    ran = run(fleet, tmp_path / "run")

    assert ran.returncode == 1, ran.stdout + ran.stderr
    [line] = [ln for ln in ran.stdout.splitlines() if " resolved target=previous " in ln]
    assert " as 2.10.0 → 2.9.1 on app-06–app-12 (7 hosts): release 2.10.0 to 2.9.1;" in line
    said = line.split("; not resolved, their precheck decides, on ", 1)[1]
    assert said.startswith("app-01: connection refused by 127.0.0.1:"), said
    assert said.count("connection refused") == 3, said
    assert said.endswith("; 2 more (app-04, app-05)"), said
    assert set(releases(fleet).values()) == {"2.9.1", "2.10.0"}  # the 5 as they were
