"""A drill never sends a command to a production system (real sshd): inventory.toml marks
it `production = true`, and a scenario that names it or one of its hosts, or an ad-hoc
drill of it, is refused before anything is sent; the incident commands still reach it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from tests.sshd import start_sshd
from tests.test_drills_sshd import DRILLS, lay_out_releases, staging_fleet

pytestmark = pytest.mark.sshd

REFUSED = (
    "host 'shop-1' of production system 'shop' (production = true in inventory.toml):"
    " a drill never sends a command there\n"
)


@pytest.fixture
def fleet(sshd_server, tmp_path):
    """The staging system `app` (app-1, app-2) and the production system `shop` (shop-1,
    an sshd of its own: another machine); the scenario's fault names shop-1 where
    staging's app-2 was meant (a typo of the kind a commander makes under pressure)."""
    [scenario] = DRILLS["scenarios"]
    fault = {**scenario["faults"][0], "systems": [], "hosts": ["app-1", "shop-1"]}
    drills = {**DRILLS, "scenarios": [{**scenario, "faults": [fault]}]}
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    keys = [sshd_server.client_public_key]
    with start_sshd(tmp_path / "shop", sshd_server.account, authorized_keys=keys) as server:
        with sshd_server.known_hosts.open("a") as known:
            known.write(server.known_hosts_line() + "\n")
        shop = sshd_server.sandbox("shop-1")
        lay_out_releases(sshd_server, shop)
        fleet.sandboxes["shop-1"] = shop
        path = fleet.config / "inventory.toml"
        inventory = tomllib.loads(path.read_text())
        [app] = inventory["systems"]
        host = {**app["hosts"][0], "name": "shop-1", "port": server.port, "workdir": str(shop)}
        inventory["systems"].append({**app, "name": "shop", "production": True, "hosts": [host]})
        path.write_text(tomli_w.dumps(inventory))
        yield fleet


def releases(fleet) -> dict[str, Path]:
    return {h: (s / "current").readlink() for h, s in fleet.sandboxes.items()}


def test_a_fault_on_a_production_host_is_refused_before_anything_is_sent(fleet):
    """Seen on a README fleet from init: a staging scenario's fault typed with the
    production host shop-1 passed check-config, and `drill` put the bad release live on
    shop-1 for the drill's 24 s ('injected fault deploy the bad release 1.1 on web-1,
    shop-1'), then 'DRILL web-release: PASSED': nothing could say a system is production."""
    checked = fleet.cli("check-config")
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert checked.stderr.endswith(f"drills.toml:21: scenarios[0].faults[0].hosts: {REFUSED}"), (
        checked.stderr
    )
    drilled = fleet.cli("drill")
    assert drilled.returncode == 2, drilled.stdout + drilled.stderr
    assert REFUSED in drilled.stderr, drilled.stderr
    assert set(releases(fleet).values()) == {Path("releases/1.0")}  # nothing sent anywhere
    assert not (fleet.state / "incidents").exists()


def test_an_ad_hoc_drill_of_a_production_system_is_refused_and_incidents_still_reach_it(fleet):
    drills = fleet.config / "drills.toml"
    drills.unlink()  # the scenario above aside: an ad-hoc drill needs none
    adhoc = ("--strategy", "release-rollback", "--trigger", "user-impact", "--reason", "drill")
    drilled = fleet.cli("drill", "--systems", "shop", *adhoc, "--yes")
    assert drilled.returncode == 2, drilled.stdout + drilled.stderr
    assert drilled.stderr == (
        "error: --systems: production system 'shop' (production = true in inventory.toml):"
        " a drill never sends a command there\n"
    )
    assert not (fleet.state / "incidents").exists()
    # the staging system drills as ever; a real incident's command reaches production
    staging = fleet.cli("drill", "--systems", "app", *adhoc, "--yes", "--quiet")
    assert staging.returncode == 0, staging.stdout + staging.stderr
    looked = fleet.cli("exec", "--systems", "shop", "readlink current")
    assert looked.returncode == 0, looked.stdout + looked.stderr
    assert "shop-1: releases/1.0" in looked.stdout


def test_a_staging_host_that_reaches_a_production_machine_is_refused(fleet):
    """Walked on a fleet of 4 real sshd hosts: a staging host `web-3` given production
    shop-1's address and port (copied from its entry) passed check-config, and a drill of
    web would have injected its fault on that machine: the names' check cannot see it."""
    [scenario] = DRILLS["scenarios"]
    (fleet.config / "drills.toml").write_text(tomli_w.dumps({**DRILLS, "scenarios": [scenario]}))
    path = fleet.config / "inventory.toml"
    inventory = tomllib.loads(path.read_text())
    [app, shop] = inventory["systems"]
    app["hosts"].append({**shop["hosts"][0], "name": "app-3"})
    path.write_text(tomli_w.dumps(inventory))
    said = (
        "host 'app-3' of system 'app' reaches 127.0.0.1:{}, as host 'shop-1' of production"
        " system 'shop' does (production = true in inventory.toml): a drill never sends a"
        " command there".format(shop["hosts"][0]["port"])
    )
    checked = fleet.cli("check-config")
    assert checked.returncode == 2 and f"error: {said}; give it" in checked.stderr, checked.stderr
    drilled = fleet.cli("drill")
    assert drilled.returncode == 2 and said in drilled.stderr, drilled.stderr
    adhoc = ("--strategy", "release-rollback", "--trigger", "user-impact", "--reason", "drill")
    drilled = fleet.cli("drill", "--systems", "app", *adhoc, "--yes")
    assert drilled.returncode == 2 and f"--systems: {said}" in drilled.stderr, drilled.stderr
    assert set(releases(fleet).values()) == {Path("releases/1.0")}  # nothing sent anywhere
    assert not (fleet.state / "incidents").exists()
