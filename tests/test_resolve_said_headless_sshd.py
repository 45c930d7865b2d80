"""Headless `run` says at once what it waits on while it asks the hosts what `target =
previous` stands for, as the console's toast does (tests/test_resolve_hung_sshd). Walked
on main at 80x24 with a configuration from `init` and one host that takes the connection
and never speaks SSH: after `initiate confirmed step` the terminal stayed silent for the
host's connect and login timeouts (16 s there), nothing saying what it waited on. Now one
line before the hosts are asked (how many, what, that nothing is changed, how long a host
that does not answer can hold it up), then the `Resolved:` line naming what was found;
with --json on stderr (stdout holds the document only). Real OpenSSH sshd, a real silent
socket, the command line as a user runs it."""

from __future__ import annotations

import json
import socket
import tomllib
from pathlib import Path

import pytest
import tomli_w

from tests.test_needed_nothing_sshd import HOSTS, PROCEDURE, STRATEGIES, releases_fleet

pytestmark = pytest.mark.sshd

ASKING = (  # after the place column, as wide as the incident's longest place
    "Asking 5 host(s) what target=previous is, before the step runs: nothing is"
    " changed there. A host that does not answer is named once its timeouts have passed:"
    " 3 s to connect and log in, 30 s for the command."
)
HUNG = "not resolved, their precheck decides, on app-hung: unreachable"


def only_the_restore(procedure: dict) -> dict:
    """The procedure without its command steps: the strategy step is the first to reach
    the hosts (a hung host failing the halt would stop the walk before it)."""
    phases = [
        {**p, "steps": [s for s in p["steps"] if s["kind"] != "command"]}
        for p in procedure["phases"]
    ]
    return {**procedure, "phases": phases}


def run(fleet, *more: str):
    return fleet.cli(
        "run", "--systems", "app", "--strategy", "version-rollback", "--trigger",
        "user-impact", "--reason", "checkout errors", "--yes", *more,
    )  # fmt: skip


def test_run_says_what_it_waits_on_before_asking_the_hosts(sshd_server, tmp_path: Path):
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, HOSTS)
    (fleet.config / "procedure.toml").write_text(tomli_w.dumps(only_the_restore(PROCEDURE)))
    with socket.socket() as silent:  # listening, never accepting: connected, never a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        path = fleet.config / "inventory.toml"
        inventory = tomllib.loads(path.read_text())
        inventory["ssh"] |= {"connect_timeout": 1.0, "login_timeout": 2.0}
        hung = {"name": "app-hung", "address": "127.0.0.1", "port": silent.getsockname()[1]}
        inventory["systems"][0]["hosts"].append(hung | {"workdir": "/tmp"})
        path.write_text(tomli_w.dumps(inventory))

        done = run(fleet, "--journal", str(tmp_path / "run"))

        lines = done.stdout.splitlines()
        asking = [i for i, line in enumerate(lines) if "Asking" in line]
        assert len(asking) == 1, done.stdout  # said once, on a line of its own
        assert lines[asking[0]].endswith(ASKING), lines[asking[0]]
        assert lines[asking[0]].split()[1] == "restore", lines[asking[0]]  # the step's place
        [resolved] = [i for i, line in enumerate(lines) if " resolved target=previous " in line]
        assert asking[0] < resolved, done.stdout  # before the answer, not with it
        assert "confirmed step" in lines[asking[0] - 1], done.stdout  # as soon as it asks
        assert HUNG in lines[resolved], lines[resolved]

        as_json = run(fleet, "--json", "--journal", str(tmp_path / "json"))

        json.loads(as_json.stdout)  # stdout holds the document only
        [said] = [line for line in as_json.stderr.splitlines() if "Asking" in line]
        assert said.endswith(ASKING) and " restore " in said, as_json.stderr

        quiet = run(fleet, "--quiet", "--journal", str(tmp_path / "quiet"))

        assert "Asking" not in quiet.stdout + quiet.stderr  # only the verdict, as asked
