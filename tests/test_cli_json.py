"""`--json` on run, drill, exec and probe: stdout is one JSON document (verdict, per-host
results, journal path) and nothing else, whatever the outcome, on the demo fleet over SSH."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli_run import RUN, cli


def document(result) -> dict:
    """The whole of stdout is one JSON document."""
    return json.loads(result.stdout)


def test_a_failed_run_says_so_in_its_document_and_its_exit_status(tmp_path):
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "checkout 500s", "--yes", "--json",
        "--inject", "fail:web-2", state_dir=tmp_path, timeout=180,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    doc = document(result)
    assert (doc["command"], doc["ok"], doc["exit_status"], doc["verdict"]) == (
        "run",
        False,
        1,
        "failed",
    )
    assert Path(doc["journal"]).is_file() and doc["incident"] in doc["journal"]
    assert doc["hosts"]["web-2"]["status"] == "failed"
    assert doc["hosts"]["web-2"]["failure"] == "non-zero exit"
    assert doc["systems"] == ["web"] and doc["strategy"] == "version-rollback"
    assert any(s["status"] == "failed" for s in doc["steps"].values())


def test_a_run_lists_the_steps_it_has_and_no_undo_that_never_ran(tmp_path):
    """Seen on `run --json`: a rolled-back run listed "restore.undo": pending among its
    steps, an undo nobody asked for (the close's stale-check made it by looking it up)."""
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "checkout 500s", "--yes", "--json",
        state_dir=tmp_path, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    steps = document(result)["steps"]
    assert "restore" in steps and "verify" in steps
    assert not [s for s in steps if s.endswith(".undo")], steps
    assert {s["status"] for s in steps.values()} <= {"done", "skipped"}, steps


def test_a_drill_document_has_its_recovery_and_integrity_findings(tmp_path):
    result = cli(
        "drill", *RUN[1:], "--trigger", "user-impact", "--reason", "game day", "--yes", "--json",
        state_dir=tmp_path, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = document(result)
    assert (doc["command"], doc["ok"], doc["verdict"]) == (
        "drill",
        True,
        "rolled back and verified",
    )
    assert {h["status"] for h in doc["hosts"].values()} == {"succeeded"}
    recovery = doc["drill"]["recovery"]["web"]
    assert recovery["verdict"] == "within target" and recovery["seconds"] > 0
    assert doc["drill"]["integrity"] == {"records": 0, "mismatches": 0, "not_judged": []}


def test_exec_gives_each_hosts_output_and_probe_each_probe(tmp_path):
    result = cli(
        "exec", "--demo", "--systems", "db", "--json", "readlink current; echo warn >&2",
        state_dir=tmp_path, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = document(result)
    assert doc["command"] == "exec" and doc["ok"] and Path(doc["journal"]).is_file()
    assert set(doc["hosts"]) == {"db-1", "db-2"}
    for host in doc["hosts"].values():
        assert host["system"] == "db" and host["status"] == "succeeded"
        assert host["exit_status"] == 0 and host["stderr"] == ["warn"]
        assert len(host["stdout"]) == 1 and host["stdout"][0].startswith("releases/")

    probed = cli("probe", "--demo", "--systems", "api", "--json", state_dir=tmp_path, timeout=180)
    assert probed.returncode == 0, probed.stderr
    doc = document(probed)
    assert doc["command"] == "probe" and doc["journal"] is None and doc["unreachable"] == []
    error_rate = next(p for p in doc["probes"] if p["probe"] == "api/error-rate")
    assert error_rate["state"] == "bad" and error_rate["bad_when"] == "> 0.05"
    assert set(error_rate["hosts"]) == {"api-1", "api-2"}


def test_json_and_dry_run_do_not_go_together(tmp_path):
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "x", "--yes", "--json", "--dry-run",
        state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "error: --dry-run prints commands, not a verdict: drop --json"
