"""The rollback document of a large fleet stays readable and its counts agree. Walked on a
README fleet of 200 real sshd hosts (bench/fleet.py), a version rollback in waves of 1,
10% and 100% whose third wave halted at max_fail_percentage 5%: the condensed timeline's
question before the third wave named all 179 hosts (1,672 characters in one row), the
wave's row named each of its 12 failed hosts with the same failure, the Failures section's
halt named all 115 hosts not started, and each of those hosts read "the run was halted: 11
of 200 hosts failed" beside "13 failed" (two more failed among the hosts already running),
in a Systems affected table of 200 rows, a row per host.
Fourteen hosts, one command at a time, stand in for the 200: the words are the same."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
import tomli_w

from tests.cli_fleet import Fleet
from tests.test_needed_nothing_sshd import STRATEGIES, releases_fleet, run

pytestmark = pytest.mark.sshd

HOSTS = tuple(f"app-{n}" for n in range(1, 15))
BROKEN = HOSTS[1:7]  # app-2 .. app-7: no release to go back to, in the second wave


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    [strategy] = STRATEGIES["strategies"]
    waves = {"sizes": [1, "100%"], "confirm": True}
    strategies = {"strategies": [{**strategy, "waves": waves, "max_fail_percentage": 40}]}
    fleet = releases_fleet(sshd_server, tmp_path, strategies, HOSTS)
    inventory = fleet.config / "inventory.toml"
    data = tomllib.loads(inventory.read_text())
    data["ssh"]["max_commands"] = 1  # one host at a time: which are not started is certain
    inventory.write_text(tomli_w.dumps(data))
    return fleet


def test_the_document_of_a_halted_wave_names_a_few_and_says_how_many_more(fleet, tmp_path):
    for host in BROKEN:
        shutil.rmtree(fleet.sandboxes[host] / "releases")
    ran = run(fleet, tmp_path / "incident")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    # Halted once 6 of 14 had failed (more than 40%): said as of then.
    why = "6 of 14 hosts had failed, more than max_fail_percentage 40%"
    assert f"halted the run: {why}" in ran.stdout, ran.stdout
    text = fleet.cli("export", str(tmp_path / "incident"), "-o", "-").stdout
    timeline = text.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    asked = next(line for line in timeline.splitlines() if "stopped to ask" in line)
    named = ", ".join(HOSTS[1:11])
    assert f"start wave 2 (13 hosts: {named} +3 more)?" in asked, asked
    [row] = [line for line in timeline.splitlines() if "restore wave 2 of 2" in line]
    assert (
        "6 hosts sent → 6 failed (at precheck, exit status 3: no releases directory releases:"
        " app-2, app-3, app-4, app-5, app-6 +1 more), 7 not started" in row
    ), row
    failures = text.split("## Failures", 1)[1].split("\n## ", 1)[0]
    assert f"{why}; not started: app-8, app-9, app-10 and 4 more" in failures, failures
    systems = text.split("## Systems affected", 1)[1].split("\n## ", 1)[0]
    # One row for the hosts alike, each named (at 200 hosts: 200 rows, 115 the same halt).
    assert "| app-1 | ✔ succeeded | – | Restore previous version |" in systems, systems
    failed = (  # why, in their own words, alike on all six: one row still
        "| app-2–app-7 (6 hosts) | ✘ failed | non-zero exit: exit status 3"
        " — no releases directory releases | Restore"
    )
    assert failed in systems, systems
    assert f"| app-8–app-14 (7 hosts) | ○ not started | the run was halted: {why} |" in systems
    assert systems.count("\n| app-") == 3, systems


def test_hosts_whose_words_name_each_its_own_host_are_one_row(fleet, tmp_path):
    """Since the Failure column carries the host's last words (1435b45c), six hosts each
    saying `no space left on app-N` gave six rows: at 200 hosts, 200 again."""
    own = 'd=${PWD##*/}; h=${d%-*}; case $h in app-[2-7]) echo "no space left on $h" >&2; exit 3;; esac'
    procedure = fleet.config / "procedure.toml"
    procedure.write_text(
        procedure.read_text().replace('"touch lock"', tomli_w.dumps({"c": own})[4:-1])
    )
    ran = run(fleet, tmp_path / "incident")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    text = fleet.cli("export", str(tmp_path / "incident"), "-o", "-").stdout
    systems = text.split("## Systems affected", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in systems.splitlines() if line.startswith("| app-")]
    [failed] = [row for row in rows if "failed" in row] or [systems]
    assert failed.startswith("| app-2–app-7 (6 hosts) | ✘ failed |"), systems
    assert "no space left on {host} |" in failed, failed
    assert len(rows) == 2, systems
