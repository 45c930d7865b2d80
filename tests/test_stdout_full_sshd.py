"""stdout on a full disk (`exec ... > out` where the disk filled up; /dev/full here), on
real sshd: the first host's line raised ENOSPC inside the recorder, which cut the step
short mid-fan-out ('Exception in callback Recorder._flush_held()' tracebacks, then
'error: internal error: OSError: [Errno 28] No space left on device (a bug: ...)', exit 1),
the incident never closed. Printing stops, said once on stderr; the command goes on, its
journal keeps every line, and its exit status is its own. A command whose output is all
it does (a dry run, `list`, `export -o -`) fails instead. So with stdout closed (`>&-`):
'Exception in callback Recorder._flush_held()' tracebacks ending 'AttributeError:
'NoneType' object has no attribute 'write''."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_fleet import Fleet, write_fleet
from tests.test_abort_nothing_sent_said_sshd import PROCEDURE

pytestmark = pytest.mark.sshd

HOSTS = ("app-1", "app-2", "app-3")
STRATEGIES = {"strategies": [{"name": "noop", "kind": "custom", "commands": {"action": "true"}}]}
SAID = "error: cannot write to stdout: No space left on device: nothing more is printed there"
GOES_ON = "; the command goes on, and its incident's journal keeps every line\n"


def to_full_disk(fleet: Fleet, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)}
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [sys.executable, "-m", "console", *args, "--config", str(fleet.config)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env=env,
        )


def events(journal: Path) -> list[dict]:
    return [json.loads(line) for line in journal.read_text().splitlines()]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
def test_exec_to_a_full_disk_goes_on_and_journals_everything(sshd_server, tmp_path, json_output):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[], hosts=HOSTS)
    argv = ["exec", "--systems", "app", "seq 1 3"]
    done = to_full_disk(fleet, *argv, *(["--json"] if json_output else []))
    assert (done.returncode, done.stderr) == (0, SAID + GOES_ON)
    (journal,) = (fleet.state / "incidents").iterdir()
    said = events(journal / "journal.jsonl")
    (closed,) = [e["data"] for e in said if e["kind"] == "incident.closed"]
    assert closed["reason"] == "ad-hoc command succeeded on 3 host(s)"
    outputs = events(journal / "output.jsonl")
    printed = {o["where"]["host"]: o["data"]["lines"] for o in outputs}
    assert printed == {host: ["1", "2", "3"] for host in HOSTS}, outputs


def test_exec_with_stdout_closed_goes_on_and_journals_everything(sshd_server, tmp_path):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[], hosts=HOSTS)
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)}
    argv = [sys.executable, "-m", "console", "exec", "--config", str(fleet.config)]
    argv += ["--systems", "app", "seq 1 3"]
    done = subprocess.run(
        ["bash", "-c", 'exec "$@" >&-', "closed", *argv],
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        env=env,
    )
    closed = "error: cannot write to stdout: it was closed: nothing more is printed there"
    assert (done.returncode, done.stderr) == (0, closed + GOES_ON)
    (journal,) = (fleet.state / "incidents").iterdir()
    printed = {o["where"]["host"]: o["data"]["lines"] for o in events(journal / "output.jsonl")}
    assert printed == {host: ["1", "2", "3"] for host in HOSTS}
    said = events(journal / "journal.jsonl")
    assert said[-1]["kind"] == "incident.closed", said[-1]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_command_whose_output_is_all_it_does_fails_on_a_full_disk(sshd_server, tmp_path):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[], hosts=HOSTS)
    dry = to_full_disk(fleet, "exec", "--systems", "app", "--dry-run", "seq 1 3")
    assert (dry.returncode, dry.stderr) == (1, SAID + "\n")
    assert fleet.cli("exec", "--systems", "app", "true").returncode == 0
    (journal,) = (fleet.state / "incidents").iterdir()
    export = to_full_disk(fleet, "export", str(journal), "--format", "json", "-o", "-")
    assert (export.returncode, export.stderr) == (1, SAID + "\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("mode", [["--list"], ["--status", "--json"]], ids=["list", "status"])
def test_drills_schedule_on_a_full_disk_fails_and_claims_no_journal(sshd_server, tmp_path, mode):
    """`drill --list` and `--status` only read: their output is all they do. Seen on main:
    exit 0, saying a journal kept every line (a cron job's status file left empty)."""
    from tests.test_drills_sshd import staging_fleet

    fleet = staging_fleet(sshd_server, tmp_path)
    assert fleet.cli("drill", *mode).returncode == 0  # due, not overdue: the status is 0
    done = to_full_disk(fleet, "drill", *mode)
    assert (done.returncode, done.stderr) == (1, SAID + "\n")
    assert not (fleet.state / "incidents").exists() or not any(
        (fleet.state / "incidents").iterdir()
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("asked", [["--version"], ["--help"], ["exec", "--help"]])
def test_help_and_version_on_a_full_disk_fail(tmp_path, asked):
    """What they print is all they do. Seen on main: the line said, exit 0 (argparse's
    exit went past the full-disk check)."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "console", *asked],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, env=env,
        )  # fmt: skip
    assert (done.returncode, done.stderr) == (1, SAID + "\n")
