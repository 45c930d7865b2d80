"""V (`verify`, the console's V) on a host whose action may have run, the host not
reached: nothing was verified, so the host stays unknown, never "verified: failed".

A connection lost while app-2's action ran left it unknown (the link was switched there);
its address then refused connections (the host down, a partition), and `verify` read
'app-2: verified: failed' (exit 1: "the change not made somewhere"), the host folded as
failed: not rolled back, to be retried, where the change had been made. A verify of a
closed incident said 'not verified: ...' of the same (closed_verify.verdict); V now reads
a verify that reached no host as that too, and the host stays unknown (exit 4)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.state import HostStatus, fold
from console.model.status import FailureClass
from tests.cli_fleet import Fleet
from tests.sshd import _free_port
from tests.test_lost_mid_change import lose_app_2_mid_action, release_fleet

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    return release_fleet(sshd_server, tmp_path)


def test_a_verify_that_reached_no_host_leaves_it_unknown(fleet, sshd_server, tmp_path):
    journal = fleet.state / "incident"
    lose_app_2_mid_action(fleet, sshd_server, journal)
    assert (fleet.sandboxes["app-2"] / "current").readlink() == Path("releases/1.10.0")
    (fleet.sandboxes["app-2"] / "go").touch()  # its supervisor's restart ends

    inventory_file = fleet.config / "inventory.toml"
    inventory = tomllib.loads(inventory_file.read_text())
    # app-2 down: connection refused (a port nothing listens on)
    inventory["systems"][0]["hosts"][1]["port"] = port = _free_port()
    inventory_file.write_text(tomli_w.dumps(inventory))
    line = inventory_file.read_text().splitlines().index(f"port = {port}") + 1

    verified = fleet.cli("verify", str(journal))
    said = verified.stdout + verified.stderr
    assert verified.returncode == 4, said
    assert "app-2: not verified: connection refused by 127.0.0.1:" in said, said
    # where that port was written, as exec and check-config say it
    assert f"; its port: {inventory_file}:{line}: port = {port}\n" in said, said
    assert "verified: failed" not in said, said
    state = fold(read_journal(journal / "journal.jsonl").events)
    app_2 = state.step("restore").hosts["app-2"]
    assert app_2.status is HostStatus.UNKNOWN, app_2
    assert app_2.failure is FailureClass.REFUSED, app_2
    assert "app-2" in state.step("restore").changed
