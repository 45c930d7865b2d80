"""A host whose SSH connection drops while its verify runs, its action seen to succeed:
its outcome is unknown (did the change take?), and the run's last line says the verify,
not a change, was cut off. Walked on a README fleet of 3 sshd hosts: the action had
exited 0, the verify's connection was lost, and the run said 'the connection was lost
while a command that changes hosts ran there'."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time

import pytest

from console.journal.files import JournalError
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.state import HostStatus, fold
from tests.cli_fleet import write_fleet
from tests.test_lost_mid_change import (
    PROCEDURE,
    WAIT_FOR_GO,
    _drop,
    _sessions_of,
    release_fleet,
    release_run,
)
from tests.test_resume_between_waves import attempts_ended

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "release",
            "kind": "version-rollback",
            "params": [
                {"name": "restart", "default": "true"},
                {"name": "check", "default": WAIT_FOR_GO},  # the verify waits for `go`
            ],
        }
    ]
}


def test_a_connection_lost_mid_verify_says_the_change_had_finished(sshd_server, tmp_path):
    fleet = release_fleet(sshd_server, tmp_path, STRATEGIES)
    journal = fleet.state / "incident"
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        release_run(fleet, journal), stdout=subprocess.PIPE, text=True, env=env
    )
    shown = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            shown.append(line)
            if "app-2      sending verify" in line:
                break
        token = ""
        for _ in range(600):  # its intent is on disk before it is sent
            intents = [
                e.data.token
                for e in read_journal(journal).events
                if e.kind == Kind.COMMAND_INTENT and e.where.host == "app-2"
                if e.data.stage == "verify"
            ]
            if intents:
                token = intents[0]
                break
            time.sleep(0.05)
        for _ in range(600):  # the verify runs on the host
            if subprocess.run(["pgrep", "-f", f"rollback-attempt={token}"]).returncode == 0:
                break
            time.sleep(0.05)
        _drop(_sessions_of(token, sshd_server.server.process.pid))
        (fleet.sandboxes["app-1"] / "go").touch()
        out, _ = process.communicate(timeout=120)
        shown.append(out)
    finally:
        process.kill()
        process.wait(timeout=30)
        for sandbox in fleet.sandboxes.values():  # the supervisor's verify ends
            (sandbox / "go").touch()
    said = "".join(shown)
    assert process.returncode == 4, said
    run = fold(read_journal(journal).events).step("restore").hosts["app-2"]
    assert (run.status, run.stage) == (HostStatus.UNKNOWN, "verify"), said
    last = said.splitlines()[-1]
    assert (
        "UNKNOWN, left open: outcome unknown on app-2: the connection was lost while its"
        " verify ran, after the change had finished there; verify them before retrying"
    ) in last, said
    assert "a command that changes hosts" not in said, said

    # `verify` settles it, saying what it sends in a line, not the preset's whole script
    # (one line of ~1,500 characters a host, above what it found)
    attempts_ended(journal)  # the verify the lost session left, ended by its supervisor
    verified = fleet.cli("verify", str(journal))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    [sent] = [line for line in verified.stdout.splitlines() if line.startswith("# app-2:")]
    # the verify's own first line, not the workdir's `cd -- DIR || exit 97` before it
    assert sent.startswith("# app-2: verify of 'restore' (incident ") and "exit 97" not in sent
    assert "): link=current … (" in sent, sent
    assert sent.endswith(" lines: --dry-run prints them)") and len(sent) < 200, sent
    assert "app-2: verified: succeeded" in verified.stdout, verified.stdout


def _cut_off(process, journal, sshd_server, host: str, stage: str) -> tuple[int, str]:
    """`process` (a command line journalling in `journal`) once the connection running
    `host`'s first `stage` has dropped: its exit status and what it printed."""
    try:
        _drop_when_sent(journal, sshd_server, host, stage, 1)
        out, _ = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait(timeout=30)
    return process.returncode, out


def _drop_when_sent(journal, sshd_server, host: str, stage: str, attempt: int) -> None:
    """The connection running `host`'s `stage` (its `attempt`-th intent) drops once the
    command runs on the host."""
    token, events = "", []
    for _ in range(600):  # its intent is on disk before it is sent
        with contextlib.suppress(JournalError):  # not written yet
            events = read_journal(journal).events
        intents = [
            e.data.token
            for e in events
            if e.kind == Kind.COMMAND_INTENT and e.where.host == host and e.data.stage == stage
        ]
        if len(intents) >= attempt:
            token = intents[attempt - 1]
            break
        time.sleep(0.05)
    for _ in range(600):
        if not subprocess.run(
            ["pgrep", "-f", f"rollback-attempt={token}"], capture_output=True
        ).returncode:
            break
        time.sleep(0.05)
    _drop(_sessions_of(token, sshd_server.server.process.pid))


def test_a_verify_lost_after_a_change_never_seen_to_end_does_not_say_it_ended(
    sshd_server, tmp_path
):
    """The action's connection lost (app-2 unknown), then `verify`'s too: the change was
    never seen to finish there, and the note its end leaves must not say it had (it
    read 'the connection was lost while its verify ran, after the change had finished
    there': the verify's stage alone decided it)."""
    waits = "i=0; while [ ! -e {0} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"
    strategy = {
        "name": "pin",
        "kind": "custom",
        "commands": {
            "action": f"echo 2.4.0 > version; {waits.format('go')}",
            "verify": f"{waits.format('vgo')}; grep -q 2.4.0 version",
        },
    }
    files = {"strategies.toml": {"strategies": [strategy]}, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["pin"], probes=[])
    for name in ("go", "vgo"):  # app-1 waits for nothing
        (fleet.sandboxes["app-1"] / name).touch()
    journal = fleet.state / "incident"
    run = fleet.started(
        "run", "--systems", "app", "--strategy", "pin", "--trigger", "user-impact",
        "--reason", "2.4.1 breaks checkout", "--yes", "--journal", str(journal),
    )  # fmt: skip
    status, out = _cut_off(run, journal, sshd_server, "app-2", "action")
    assert status == 4, out
    assert "outcome unknown on app-2: the connection was lost while a command that" in out
    attempts_ended(journal)

    verify = fleet.started("verify", str(journal))
    status, said = _cut_off(verify, journal, sshd_server, "app-2", "verify")
    (fleet.sandboxes["app-2"] / "vgo").touch()  # the supervisor's verify ends
    assert status == 4, said
    events = read_journal(journal).events
    run_2 = fold(events).step("restore").hosts["app-2"]
    assert (run_2.status, run_2.stage) == (HostStatus.UNKNOWN, "verify"), said
    [note] = [
        e.data.text
        for e in events
        if e.kind == Kind.NOTE_ADDED and "outcome unknown on app-2" in e.data.text
        if "the verify ended" in e.data.text
    ]
    assert "after the change had finished there" not in note, note
    assert (
        "outcome unknown on app-2: the connection was lost while its verify ran; the change"
        " before it was never seen to finish there; verify them before retrying"
    ) in note, note
