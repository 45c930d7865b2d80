"""When several automatic triggers fire at once, one is taken by a documented precedence
(security breach, data corruption, error threshold, performance degradation) and the
others are recorded as its evidence; the demo can make every automatic kind fire."""

from __future__ import annotations

import json

import pytest

from console.cli import main
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.triggers import AUTOMATIC, PRECEDENCE, TriggerKind


@pytest.fixture(autouse=True)
def _state_dir(tmp_path, monkeypatch):
    """Journals and system locks of these runs in a state dir of their own."""
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path / "state"))


def test_the_precedence_ranks_every_automatic_kind_once():
    assert PRECEDENCE == (
        TriggerKind.SECURITY,
        TriggerKind.DATA_CORRUPTION,
        TriggerKind.ERROR_THRESHOLD,
        TriggerKind.PERFORMANCE,
    )
    assert set(PRECEDENCE) == AUTOMATIC


def auto_run(tmp_path, capsys, system: str, strategy: str, inject: str) -> tuple[int, list]:
    journal = tmp_path / "incident"
    code = main(
        ["run", "--demo", "--systems", system, "--strategy", strategy, "--trigger", "auto",
         "--inject", inject, "--yes", "--quiet", "--journal", str(journal)]
    )  # fmt: skip
    return code, read_journal(journal).events


def test_a_breach_outranks_the_error_threshold_firing_with_it(tmp_path, capsys):
    code, events = auto_run(tmp_path, capsys, "api", "version-rollback", "breach:api-1")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "automatic trigger firing: Security breach detected: api/auth-failures" in out
    assert "also firing, recorded as evidence: Critical error threshold exceeded" in out
    declared = next(e for e in events if e.kind == Kind.TRIGGER_DECLARED)
    assert declared.data.kind == "security-breach"
    assert {s["probe"] for s in declared.data.evidence} == {
        "api/auth-failures",
        "api/error-rate",
    }
    fired = {e.data.trigger for e in events if e.kind == Kind.TRIGGER_FIRED}
    assert fired == {"api-auth", "api-errors"}  # both journalled as fired


def test_corrupt_data_makes_the_data_corruption_trigger_fire(tmp_path, capsys):
    code, events = auto_run(tmp_path, capsys, "db", "log-replay", "corrupt-data:db-1")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "automatic trigger firing: Data corruption identified: db/row-drift" in out
    declared = next(e for e in events if e.kind == Kind.TRIGGER_DECLARED)
    assert declared.data.kind == "data-corruption"
    drift = declared.data.evidence[-1]["hosts"]
    assert drift["db-1"]["value"] > 0 and drift["db-2"]["value"] == 0
    # After the log replay the rows stop drifting: stability is verified.
    verify = next(e for e in events if e.kind == Kind.STEP_COMPLETED and e.where.step == "verify")
    assert verify.data.status == "done"


def test_probe_json_shows_the_drift_once_rows_vanish(capsys):
    assert main(["probe", "--demo", "--systems", "db", "--json"]) == 0
    probes = {p["probe"]: p for p in json.loads(capsys.readouterr().out)["probes"]}
    assert probes["db/row-drift"]["value"] == 0 and probes["db/row-drift"]["state"] == "healthy"
