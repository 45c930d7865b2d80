"""A data-touching strategy in waves on a real OpenSSH fleet: a host whose data does not
come back as expected fails there and then, so the failure threshold stops the later
waves and each wave's tally counts it; its data before is on record before the action is
sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import Fleet, write_fleet

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "restore-orders",
            "kind": "custom",
            "description": "Put the orders back",
            "data_touching": True,
            "max_fail_percentage": 0,
            "waves": {"size": 1},
            "commands": {
                "precheck": "echo 'integrity stage=before rows.orders=3'",
                "action": "echo restored > data",
                # a host with a `lost` file comes back one row short
                "verify": 'echo "integrity stage=after rows.orders=$((3 - $(ls lost 2>/dev/null | wc -l)))"',
            },
        }
    ]
}
PROCEDURE = {
    "name": "Data rollback",
    "phases": [
        {"phase": "immediate", "steps": [{"id": "bridge", "title": "Bridge", "kind": "manual"}]},
        {
            "phase": "execution",
            "steps": [{"id": "restore", "title": "Restore the orders", "kind": "strategy"}],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
        },
    ],
}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["restore-orders"], probes=[])
    (fleet.sandboxes["app-1"] / "lost").write_text("")  # the canary loses a row
    return fleet


def test_an_integrity_mismatch_on_the_canary_stops_the_later_waves(fleet: Fleet):
    journal = fleet.state / "incident"
    result = fleet.cli(
        "run", "--systems", "app", "--strategy", "restore-orders", "--trigger", "data-corruption",
        "--reason", "orders damaged", "--yes", "--journal", str(journal),
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    events = read_journal(journal / "journal.jsonl").events
    # app-2 was never touched: the threshold (0 %) stopped the run after the canary
    assert not (fleet.sandboxes["app-2"] / "data").exists()
    assert [e.where.host for e in events if e.kind == Kind.HOST_NOT_STARTED] == ["app-2"]
    assert [e.data.failed for e in events if e.kind == Kind.RUN_HALTED] == [1]
    first = next(e.data for e in events if e.kind == Kind.WAVE_FINISHED)
    assert (first.succeeded, first.failed) == (0, 1)


def test_the_data_before_is_on_record_before_the_action_is_sent(fleet: Fleet):
    journal = fleet.state / "incident"
    fleet.cli(
        "run", "--systems", "app", "--strategy", "restore-orders", "--trigger", "data-corruption",
        "--reason", "orders damaged", "--yes", "--journal", str(journal),
    )  # fmt: skip
    events = read_journal(journal / "journal.jsonl").events
    on_canary = [e for e in events if e.where.host == "app-1"]
    order = [
        (e.kind, getattr(e.data, "stage", None))
        for e in on_canary
        if e.kind in (Kind.INTEGRITY_RECORDED, Kind.COMMAND_INTENT)
    ]
    assert order[:3] == [
        (Kind.COMMAND_INTENT, "precheck"),
        (Kind.INTEGRITY_RECORDED, "before"),
        (Kind.COMMAND_INTENT, "action"),
    ]
