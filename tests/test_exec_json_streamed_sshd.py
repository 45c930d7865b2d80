"""`exec --json` writes each host's output as it reads it back, never the whole of it
held: on a real sshd fleet, exec --json on two hosts printing 10 MB each peaked at 153 MB
(69 MB without --json): every line was held in lists, then the whole document in one
string. The document is the same bytes (json.dumps, indent 2, ASCII), its lines read back
from output.jsonl one event at a time. Real OpenSSH sshd, the command line as a user runs
it; the peak is the exec process's own (VmHWM)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_needed_nothing_sshd import STRATEGIES, releases_fleet

pytestmark = pytest.mark.sshd

LINE = "0123456789" * 10
BIG = f"yes {LINE} | head -n 100000"  # 10 MB a host
MB = 1024  # ru_maxrss is in KB


# exec, then its peak resident memory (VmHWM: this process's own since its exec; wait4's
# ru_maxrss counts the forking pytest's too) into the file named first.
PEAK = """
import runpy, sys
peak, sys.argv = sys.argv[1], ["rollback-console", *sys.argv[2:]]
try:
    runpy.run_module("console", run_name="__main__")
finally:
    with open("/proc/self/status") as status, open(peak, "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM:")).split()[1])
"""


def exec_peak(fleet, *args: str) -> tuple[str, int]:
    """exec's stdout and its peak resident memory, in KB."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), **fleet.env}
    peak = fleet.config.parent / "peak"
    argv = [sys.executable, "-c", PEAK, str(peak), "exec", *args, "--config", str(fleet.config)]
    child = subprocess.run(
        argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, timeout=120
    )
    assert child.returncode == 0, child.stdout[-2000:]
    return child.stdout.decode("ascii"), int(peak.read_text())


def test_exec_json_is_written_as_read_not_held(sshd_server, tmp_path):
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, ("app-1", "app-2"))

    _, plain = exec_peak(fleet, "--systems", "app", BIG)
    text, peak = exec_peak(fleet, "--systems", "app", "--json", BIG)

    doc = json.loads(text)
    assert text == json.dumps(doc, indent=2) + "\n"  # the bytes json.dumps gives
    for host in ("app-1", "app-2"):
        assert doc["hosts"][host]["stdout"] == [LINE] * 100_000
        assert doc["hosts"][host]["stderr"] == [] and doc["hosts"][host]["status"] == "succeeded"
    assert peak - plain < 30 * MB, (peak // MB, plain // MB)  # on main: 153 and 69 MB


def test_each_stream_each_host_in_order_and_escaped(sshd_server, tmp_path):
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, ("app-1", "app-2"))
    command = (
        'case "$PWD" in *app-1-*) echo one; echo "é \\033[31m" >&2; echo two ;; *) exit 3 ;; esac'
    )

    child = fleet.cli("exec", "--systems", "app", "--json", command)

    assert child.returncode == 1, child.stderr
    doc = json.loads(child.stdout)
    assert child.stdout == json.dumps(doc, indent=2) + "\n" and child.stdout.isascii()
    assert doc["hosts"]["app-1"]["stdout"] == ["one", "two"]
    assert doc["hosts"]["app-1"]["stderr"] == ["é \x1b[31m"]
    assert doc["hosts"]["app-2"]["stdout"] == doc["hosts"]["app-2"]["stderr"] == []
    assert doc["hosts"]["app-2"]["exit_status"] == 3 and not doc["ok"]
    assert list(doc) == [
        *("schema", "version", "command", "ok", "exit_status", "journal", "incident"),
        *("step", "verdict", "hosts"),
    ]


def test_the_log_is_scanned_once_whatever_the_number_of_hosts(sshd_server, tmp_path):
    """Each host's lines were found by scanning the whole log, once per host and stream:
    at 1,000 hosts `exec --json` spent 8 s there (3,000 hosts: 70 s). The document is read
    back here from the journal a real exec wrote, the events each scan visits counted."""
    from console.journal.event_log import EventLog, read_log
    from console.journal.exec_json import write_exec_result

    hosts = tuple(f"app-{n}" for n in range(1, 9))
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, hosts)
    child = fleet.cli("exec", "--systems", "app", "--json", "echo one; echo two >&2")
    assert child.returncode == 0, child.stderr
    doc = json.loads(child.stdout)
    log, state, _ = read_log(Path(doc["journal"]))
    visited = []

    def counted(self, keep, start=0, newest_first=False):
        visited.append(len(self) - start)
        return EventLog.indices(self, keep, start, newest_first)

    log.indices = counted.__get__(log)
    again = io.StringIO()
    write_exec_result(again, state, log, doc["step"], 0, Path(doc["journal"]))

    assert again.getvalue() == child.stdout
    assert [doc["hosts"][h]["stdout"] for h in hosts] == [["one"]] * len(hosts)
    assert sum(visited) <= len(log), (visited, len(log))  # on main: 16 scans of the log
