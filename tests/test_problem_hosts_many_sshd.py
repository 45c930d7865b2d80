"""A headless run whose rollback fails alike on many hosts says so in lines a commander
reads: on a real sshd fleet of 200 hosts, SIGTERM mid-fan-out printed under `hosts whose
last step did not succeed:` one line naming 124 hosts not started, 1,000 characters (and
each host's last words, one line a host). A group of more than five hosts is now counted,
its first five named (`8 hosts (app-1, ... +3 more): failed at ...`), the hosts that
printed alike last said together under it (five lines at most, the rest counted), and a
last line says where every host is named: the document's tables. Real OpenSSH sshd, the
command line as a user runs it."""

from __future__ import annotations

import re

import pytest

from tests.test_needed_nothing_sshd import releases_fleet, run
from tests.test_restart_said_sshd import strategies

pytestmark = pytest.mark.sshd

HOSTS = tuple(f"app-{n}" for n in range(1, 9))
# Each host's restart fails; app-1 and app-2 print the same last words, the others their own.
RESTART = (
    'case "$PWD" in *app-1-*|*app-2-*) echo "port 8080 busy" >&2 ;;'
    ' *) echo "no unit on ${PWD##*/}" >&2 ;; esac; exit 3'
)


def test_many_hosts_failed_alike_are_counted_a_few_named(sshd_server, tmp_path):
    fleet = releases_fleet(sshd_server, tmp_path, strategies(RESTART), HOSTS)

    done = run(fleet, tmp_path / "run")

    assert done.returncode == 1, done.stdout + done.stderr
    said = done.stdout.split("hosts whose last step did not succeed:\n", 1)[1].splitlines()
    head = "  8 hosts (app-1, app-2, app-3, app-4, app-5 +3 more): failed at restore · action: "
    assert said[0].startswith(head), said
    assert said[1].startswith("    app-1, app-2 — restart failed: "), said
    assert "it said: port 8080 busy" in said[1], said
    assert [line[:11] for line in said[2:6]] == [f"    app-{n} —" for n in range(3, 7)], said
    assert said[6] == "    2 more hosts printed something else last", said
    journal = tmp_path / "run"
    assert said[7] == (
        f"  every host by name: rollback-console export {journal} --format markdown"
        f" --config {fleet.config} (“Systems affected”, “Failures”)"
    ), said
    assert all(len(line) < 300 for line in said[:8]), said


def test_a_wave_of_many_hosts_is_counted_a_few_named(sshd_server, tmp_path):
    """`wave 2 of 2 started (199 hosts: h0002, h0003, ...)` named every host, 1,445
    characters at 200 hosts; it names ten, as the question before it does."""
    hosts = tuple(f"app-{n:02d}" for n in range(1, 13))
    waves = strategies("true")
    waves["strategies"][0]["waves"] = {"sizes": [1, "100%"], "confirm": True}
    fleet = releases_fleet(sshd_server, tmp_path, waves, hosts)

    done = run(fleet, tmp_path / "run")

    assert done.returncode == 0, done.stdout + done.stderr
    named = ", ".join(hosts[1:11])
    squeezed = re.sub(r"  +", " ", done.stdout)  # the place column's padding
    assert f" restore wave 2 of 2 started (11 hosts: {named} +1 more)\n" in squeezed
    assert f"start wave 2 (11 hosts: {named} +1 more)?" in done.stdout  # as it asked
