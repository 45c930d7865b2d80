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
from tests.test_close_keeps_locks import two_systems
from tests.test_lost_mid_change import lose_app_2_mid_action, release_fleet
from tests.test_verify_closed import close_and_quit

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
    # One line for the host, its finding, with where that port was written (as exec and
    # check-config say it): not a second `app-2: FAILED (connection refused): ...` too.
    assert _lines_of(said, "app-2") == [
        f"app-2: not verified: connection refused by 127.0.0.1:{port}; its port:"
        f" {inventory_file}:{line}: port = {port}"
    ], said
    assert "FAILED" not in said and "verified: failed" not in said, said
    state = fold(read_journal(journal / "journal.jsonl").events)
    app_2 = state.step("restore").hosts["app-2"]
    assert app_2.status is HostStatus.UNKNOWN, app_2
    assert app_2.failure is FailureClass.REFUSED, app_2
    assert "app-2" in state.step("restore").changed


def _lines_of(said: str, host: str) -> list[str]:
    """The lines that speak of `host` (not the `# host: ...` of what is sent)."""
    return [line for line in said.splitlines() if line.startswith(f"{host}: ")]


def test_a_verify_by_hand_says_an_unreached_host_once(sshd_server, tmp_path):
    """`verify ID` of a closed incident whose host left unknown answers no more: one line
    for it, what the verify found (it said `app-2: not verified: ...` on stdout, then
    `app-2: FAILED (connection refused): ...` on stderr, of a verify that failed nothing)."""
    fleet, journal = two_systems(sshd_server, tmp_path)
    close_and_quit(fleet, journal)
    inventory_file = fleet.config / "inventory.toml"
    inventory = tomllib.loads(inventory_file.read_text())
    [app] = [s for s in inventory["systems"] if s["name"] == "app"]
    app["hosts"][0]["port"] = port = _free_port()  # app-2: nothing listens there
    inventory_file.write_text(tomli_w.dumps(inventory))

    verified = fleet.cli("verify", str(journal.parent), "--take-over-lock", "app-2 down")
    said = verified.stdout + verified.stderr
    assert verified.returncode == 4, said
    [line] = _lines_of(said, "app-2")
    assert line.startswith(f"app-2: not verified: connection refused by 127.0.0.1:{port}"), said
    assert f"; its port: {inventory_file}:" in line, said
    assert "FAILED" not in said, said
