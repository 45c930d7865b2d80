"""`exec` Ctrl+C'd while hosts still waited their turn, on real sshd: seen on a fleet of
200, its last line read 'exec: 77 of 200 host(s) did not succeed: 15 FAILED (...); 62
ABORTED (...)' while its journal said '62 aborted, 15 failed, 42 not started, 81
succeeded': the 42 never started were in no count (read: 123 succeeded), and no line said
the exec itself was aborted (README: 'its last line saying ABORTED: interrupted by
SIGINT'), nor did `--json`, whose verdict read 'failed'. The hosts not started are counted
and named, and the last line (the verdict) says why."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import tomli_w

from tests.cli_fleet import write_fleet
from tests.test_abort_nothing_sent_said_sshd import PROCEDURE

pytestmark = pytest.mark.sshd

HOSTS = ("app-1", "app-2", "app-3", "app-4")
STRATEGIES = {"strategies": [{"name": "noop", "kind": "custom", "commands": {"action": "true"}}]}


def interrupted(sshd_server, tmp_path, *extra: str) -> tuple[Path, int, str, str]:
    """`exec` on four hosts one at a time, Ctrl+C'd once the first runs: (its journal,
    exit status, stdout, stderr)."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[], hosts=HOSTS)
    inventory_file = fleet.config / "inventory.toml"
    inventory = tomllib.loads(inventory_file.read_text())
    inventory["ssh"] |= {"max_commands": 1}  # one host at a time: the others wait their turn
    inventory_file.write_text(tomli_w.dumps(inventory))
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)}
    argv = [sys.executable, "-m", "console", "exec", "--config", str(fleet.config)]
    argv += ["--systems", "app", *extra, "touch started; sleep 60"]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        for _ in range(600):  # bounded: 60 s
            if any((s / "started").exists() for s in fleet.sandboxes.values()):
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait(timeout=30)
    (journal,) = (fleet.state / "incidents").iterdir()
    return journal / "journal.jsonl", process.returncode, out, err


def test_exec_interrupted_counts_the_hosts_not_started_and_says_it_was_aborted(
    sshd_server, tmp_path
):
    journal, code, _, err = interrupted(sshd_server, tmp_path)
    assert code == 1
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    (finished,) = [e["data"] for e in events if e["kind"] == "wave.finished"]
    not_started = [e["where"]["host"] for e in events if e["kind"] == "host.not_started"]
    assert finished["not_started"] == len(not_started) >= 1, finished
    *_, counted, last = err.splitlines()
    assert last == f"exec: ABORTED: interrupted by SIGINT; journal {journal}"
    bad = len(HOSTS) - finished["succeeded"]
    assert counted.startswith(f"exec: {bad} of {len(HOSTS)} host(s) did not succeed: "), counted
    named = f"{len(not_started)} NOT STARTED ({', '.join(sorted(not_started))})"
    assert counted.endswith(named), counted


def test_exec_json_interrupted_says_it_was_aborted(sshd_server, tmp_path):
    journal, code, out, err = interrupted(sshd_server, tmp_path, "--json")
    document = json.loads(out)
    assert (code, err) == (1, "")
    assert (document["exit_status"], document["verdict"]) == (1, "aborted: interrupted by SIGINT")
    assert document["journal"] == str(journal)
    statuses = [h["status"] for h in document["hosts"].values()]
    assert "not started" in statuses and "succeeded" not in statuses, statuses
