"""`probe --json` of a probe that judges by words: its value was a bare 0.0 (the count of
hosts that read bad) beside "1/1 ok" in the table, and `bad_when` the table's dash, where a
script expects null. Real OpenSSH sshd, a README-style command probe on each host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES

pytestmark = pytest.mark.sshd

PROBES = [
    {"name": "up", "title": "Up", "kind": "command", "command": "echo ok"},
    {"name": "queue", "title": "Queue", "kind": "command", "command": "echo 7", "threshold": 100},
]


def test_probe_json_says_a_word_probes_value_as_the_table_does(sshd_server, tmp_path: Path):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=PROBES)
    table = fleet.cli("probe")
    assert table.returncode == 0, table.stderr
    assert [line.split()[2:4] for line in table.stdout.splitlines()[1:]] == [
        ["2/2", "ok"],
        ["7", ">"],
    ], table.stdout
    result = fleet.cli("probe", "--json")
    assert result.returncode == 0, result.stderr
    probes = {p["probe"]: p for p in json.loads(result.stdout)["probes"]}
    up, queue = probes["app/up"], probes["app/queue"]
    assert (up["shown"], up["bad_when"], up["state"]) == ("2/2 ok", None, "healthy")
    assert (queue["shown"], queue["bad_when"], queue["value"]) == ("7", "> 100", 7.0)
