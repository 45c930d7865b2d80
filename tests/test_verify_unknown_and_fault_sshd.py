"""The verify by hand of a drill that left a host unknown and its fault on that host, when
the host still does not answer: its system's lock stays for both, and both are said. Seen:
only `lock on app kept again: verify again once the change has finished`; nothing said
the fault was still in place, that it needed undoing by hand there, nor that the lock
stays for it once the verify answers."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.events import Kind
from tests.sshd import silent_port
from tests.test_drill_unknown_sshd import fleet  # noqa: F401 (a fixture)

pytestmark = pytest.mark.sshd

FAULT = (
    "verify: a fault is NOT undone on app-1: the lock on app stays held. Undo it there first,"
    " then release the lock with a command that shows it undone: rollback-console exec"
    " --take-over-lock REASON --systems app --hosts app-1 --config {}"
)


def test_a_host_still_unknown_with_a_fault_on_it_is_said_both_ways(fleet) -> None:  # noqa: F811 (a fixture)
    dropped = fleet.cli("drill", "--quiet")  # app-1 unknown, its fault `drop` NOT undone
    assert dropped.returncode == 1, dropped.stdout + dropped.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    inventory = tomllib.loads((fleet.config / "inventory.toml").read_text())
    with silent_port() as port:  # app-1 does not answer the verify: still unknown
        for host in inventory["systems"][0]["hosts"]:
            if host["name"] == "app-1":
                host["port"] = port
        inventory["ssh"]["connect_timeout"] = 1.0
        (fleet.config / "inventory.toml").write_text(tomli_w.dumps(inventory))
        verify = fleet.cli("verify", journal.parent.name, "--take-over-lock", "after the drill")

    assert verify.returncode == 4, verify.stdout + verify.stderr
    said = verify.stderr
    assert "verify: the lock on app stays held: verify again once the change has finished" in said
    assert FAULT.format(fleet.config) in said, said
    note = read_journal(journal).events[-1]
    assert note.kind == Kind.NOTE_ADDED, note
    assert "lock on app kept again: verify again once the change has finished; a fault is" in (
        note.data.text
    ), note.data.text
    assert "a fault is NOT undone on app-1: the lock on app stays held" in note.data.text
