"""`exec` Ctrl+C'd while hosts still waited their turn, on real sshd: seen on a fleet of
200, its last line read 'exec: 77 of 200 host(s) did not succeed: 15 FAILED (...); 62
ABORTED (...)' while its journal said '62 aborted, 15 failed, 42 not started, 81
succeeded': the 42 never started were in no count (read: 123 succeeded), and no line said
the exec itself was aborted (README: 'its last line saying ABORTED: interrupted by
SIGINT'). The hosts not started are counted and named, and the last line says why."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tomllib

import pytest
import tomli_w

from tests.cli_fleet import write_fleet
from tests.test_abort_nothing_sent_said_sshd import PROCEDURE

pytestmark = pytest.mark.sshd

HOSTS = ("app-1", "app-2", "app-3", "app-4")
STRATEGIES = {"strategies": [{"name": "noop", "kind": "custom", "commands": {"action": "true"}}]}


def test_exec_interrupted_counts_the_hosts_not_started_and_says_it_was_aborted(
    sshd_server, tmp_path
):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[], hosts=HOSTS)
    inventory_file = fleet.config / "inventory.toml"
    inventory = tomllib.loads(inventory_file.read_text())
    inventory["ssh"] |= {"max_commands": 1}  # one host at a time: the others wait their turn
    inventory_file.write_text(tomli_w.dumps(inventory))
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "console", "exec", "--config", str(fleet.config)]
    argv += ["--systems", "app", "echo waiting; sleep 60"]
    err = tmp_path / "err"
    with open(err, "w") as said:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=said, text=True, env=env)
        try:
            assert process.stdout is not None
            for line in process.stdout:  # bounded: the command ends within 60 s
                if "waiting" in line:
                    break
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=60)
        finally:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == 1
    (journal,) = (fleet.state / "incidents").iterdir()
    events = [json.loads(line) for line in (journal / "journal.jsonl").read_text().splitlines()]
    (finished,) = [e["data"] for e in events if e["kind"] == "wave.finished"]
    not_started = [e["where"]["host"] for e in events if e["kind"] == "host.not_started"]
    assert finished["not_started"] == len(not_started) >= 1, finished
    *_, counted, last = err.read_text().splitlines()
    assert last == f"exec: ABORTED: interrupted by SIGINT; journal {journal / 'journal.jsonl'}"
    bad = len(HOSTS) - finished["succeeded"]
    assert counted.startswith(f"exec: {bad} of {len(HOSTS)} host(s) did not succeed: "), counted
    named = f"{len(not_started)} NOT STARTED ({', '.join(sorted(not_started))})"
    assert counted.endswith(named), counted
