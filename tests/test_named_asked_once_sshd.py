"""A release named on `run`'s command line (`--param target=2.9.0`) is asked of the hosts
once, and that asking is on record. Found on main (d90bc82f, 88e636b7): it was asked of
every host before the incident opened, on a scratch incident whose journal was deleted,
then asked again by the step, also journalled nowhere: sshd started two sessions per host
that no record showed. Now the first answers are recorded as the incident opens
(`strategy.resolved`, `given`, `asked_at`) and the step goes with them; a strategy step
of its own sending commands to those hosts in between makes the step ask again, saying
why. Real OpenSSH sshd, no probes, so that every session sshd starts is a command that
the record should show."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.payloads import StrategyResolved
from tests.cli_fleet import Fleet, chown_tree, write_fleet

pytestmark = pytest.mark.sshd

HOSTS = ("app-1", "app-2")
HALT = {"id": "halt", "title": "Halt delivery", "kind": "command", "command": "touch lock"}
DRAIN = {"id": "drain", "title": "Drain", "kind": "strategy", "strategy": "drain"}
RESTORE = {"id": "restore", "title": "Restore previous version", "kind": "strategy"}
STRATEGIES = {
    "strategies": [
        {"name": "version-rollback", "kind": "version-rollback"},
        {
            "name": "drain",
            "kind": "custom",
            "description": "Take the host out of the pool",
            "commands": {"precheck": "test -d .", "action": "touch drained", "verify": "true"},
        },
    ]
}


def procedure(*steps: dict) -> dict:
    """`steps` the execution, a manual step before, a form after."""
    bridge = {"id": "bridge", "title": "Open the bridge", "kind": "manual"}
    doc = {"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}
    phases = {"immediate": [bridge], "execution": list(steps), "post": [doc]}
    return {"name": "Rollback", "phases": [{"phase": p, "steps": s} for p, s in phases.items()]}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    """Two hosts on 2.10.0 with 2.9.0 and 2.9.1 there, and no probes."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure(HALT, RESTORE)}
    fleet = write_fleet(
        sshd_server,
        tmp_path,
        files,
        strategies=["version-rollback", "drain"],
        probes=[],
        hosts=HOSTS,
    )
    for sandbox in fleet.sandboxes.values():
        for version in ("2.9.0", "2.9.1", "2.10.0"):
            (sandbox / "releases" / version).mkdir(parents=True)
        (sandbox / "current").symlink_to("releases/2.10.0")
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def run(fleet: Fleet, journal: Path, sshd_server):
    """`run --param target=2.9.0`: its output, its journal's events, and the sessions sshd
    started meanwhile."""
    sessions = sshd_server.server.log().count("Starting session")
    done = fleet.cli(
        "run", "--systems", "app", "--strategy", "version-rollback", "--param",
        "target=2.9.0", "--trigger", "user-impact", "--reason", "checkout errors", "--yes",
        "--journal", str(journal),
    )  # fmt: skip
    sessions = sshd_server.server.log().count("Starting session") - sessions
    assert (journal / "journal.jsonl").exists(), done.stdout + done.stderr
    return done, read_journal(journal / "journal.jsonl").events, sessions


def test_a_release_named_is_asked_once_and_recorded(fleet, sshd_server, tmp_path):
    done, events, sessions = run(fleet, tmp_path / "run", sshd_server)

    assert done.returncode == 0, done.stdout + done.stderr
    assert {(s / "current").readlink().name for s in fleet.sandboxes.values()} == {"2.9.0"}
    [asked] = [e for e in events if e.kind == Kind.STRATEGY_RESOLVED]
    found = asked.payload(StrategyResolved)
    assert found.given and found.asked_at and asked.where.step == "restore", found
    assert [g["hosts"] for g in found.groups] == [list(HOSTS)], found
    sent = [e for e in events if e.kind == Kind.COMMAND_INTENT]
    assert asked.seq < sent[0].seq  # on record as the incident opened, before halt sent
    # every session sshd started is a command the record shows (on main: 2 per host more)
    assert sessions == len(sent) + len(HOSTS), (sessions, len(sent))
    lines = done.stdout.splitlines()
    assert sum("Asking 2 host(s) whether target=2.9.0 is there" in ln for ln in lines) == 1
    [checked] = [ln for ln in lines if "target=2.9.0 checked" in ln]
    assert checked.split()[1] == "restore", checked
    assert checked.endswith(
        "target=2.9.0 checked (version-rollback), asked at"
        f" {found.asked_at[11:19]}: every host has it:"
        " 2.10.0 → 2.9.0 on app-1, app-2 (2 hosts): release 2.10.0 to 2.9.0"
    ), checked

    # A strategy step of its own sends commands to those hosts in between: asked again,
    # saying why, and that asking on record too.
    config = fleet.config / "procedure.toml"
    config.write_text(tomli_w.dumps(procedure(HALT, DRAIN, RESTORE)))
    for sandbox in fleet.sandboxes.values():
        (sandbox / "current").unlink()
        (sandbox / "current").symlink_to("releases/2.10.0")

    again, events, sessions = run(fleet, tmp_path / "again", sshd_server)

    assert again.returncode == 0, again.stdout + again.stderr
    resolved = [e.where.step for e in events if e.kind == Kind.STRATEGY_RESOLVED]
    assert resolved == ["restore", "restore"], resolved
    sent = [e for e in events if e.kind == Kind.COMMAND_INTENT]
    assert sessions == len(sent) + 2 * len(HOSTS), (sessions, len(sent))
    [asking] = [ln for ln in again.stdout.splitlines() if "Asked again" in ln]
    assert asking.endswith(
        "Asked again: “Drain” sent commands to app-1 since they answered."
    ) or asking.endswith("Asked again: “Drain” sent commands to app-2 since they answered."), asking
