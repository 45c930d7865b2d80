"""What the staging drill of tests/test_drills_sshd.py reports, on its real OpenSSH fleet:
the data integrity it checked (the document's table, the console's integrity screen), an
integrity check it has none of, the gate's JSON, and an outcome it did not expect, named
with the host and the stage that failed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import tomli_w
from textual.widgets import DataTable, Label

from console.model.clock import FixedClock
from console.ui.follow import make_follow_app
from tests.test_drills_sshd import DRILLS, STRATEGIES, fleet  # noqa: F401
from tests.test_ui_support import START, open_assessment, until

pytestmark = pytest.mark.sshd


def drilled_with_a_host_stopped_before_its_after(fleet) -> Path:  # noqa: F811
    """A drill whose data-touching strategy fails on app-2 at its verify, after its before
    record and before its after record: the drill's journal."""
    [scenario] = DRILLS["scenarios"]
    partial = {**scenario, "trigger": "user-impact", "reason": "monthly drill", "expect": "partial"}
    (fleet.config / "drills.toml").write_text(tomli_w.dumps({**DRILLS, "scenarios": [partial]}))
    [strategy] = STRATEGIES["strategies"]
    summary = 'checksum=$(cksum < data.txt | cut -d" " -f1) rows.lines=$(wc -l < data.txt)'
    commands = {
        **strategy["commands"],
        "precheck": strategy["commands"]["precheck"]
        + f' && echo "integrity stage=before {summary}"',
        "verify": strategy["commands"]["verify"]
        + f' && test ! -e stuck && echo "integrity stage=after {summary}"',
    }
    touching = {**strategy, "data_touching": True, "commands": commands}
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps({"strategies": [touching]}))
    (fleet.sandboxes["app-2"] / "stuck").write_text("")
    result = fleet.cli("drill")
    assert "DRILL bad-release: PASSED" in result.stdout, result.stdout + result.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    return journal


def test_the_data_integrity_table_says_a_host_stopped_before_its_after_record(fleet):  # noqa: F811
    """Seen on a real fleet: a data-touching strategy failed on one host after its before
    record; the document's Data integrity table labelled that host 'recorded', as if its
    after were still to come, and the drill's baseline rows showed no values at all."""
    journal = drilled_with_a_host_stopped_before_its_after(fleet)
    document = fleet.cli("export", str(journal), "--format", "markdown").stdout
    rows = {
        tuple(cell.strip() for cell in line.strip("|").split("|")[:2]): line
        for line in document.split("## Data integrity")[1].split("##")[0].splitlines()
        if line.startswith("| app-")
    }
    matched = "| match: the rows of lines the same as before restore ran |"  # eacc8558's words
    assert rows[("app-1", "restore")].endswith(matched), rows
    assert rows[("app-2", "restore")].endswith(
        "| – | – | not reached: failed at verify: no after record was taken |"
    ), rows
    baseline = rows[("app-2", "drill-baseline")]
    assert "| checksum " in baseline and "rows: lines 3 | – | – | recorded |" in baseline, rows


async def test_the_integrity_screen_says_a_host_stopped_before_its_after_record(fleet):  # noqa: F811
    """Seen at 80x24: the console's integrity screen titled '7 record(s) · no mismatch'
    and showed app-2's before record as '✔ recorded' while the export said app-2 was not
    reached. The title counts the hosts compared and names the one not reached. A
    follower opens it too (i on F3), and Escape goes back."""
    journal = drilled_with_a_host_stopped_before_its_after(fleet)
    app = make_follow_app(journal, FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_assessment(app, pilot)
        await until(pilot, lambda: app.screen.query("#integrity-title"))
        title = str(app.screen.query_one("#integrity-title", Label).render())
        assert title == (
            "Data integrity: 2 host(s) compared · ✘ 1 not reached (app-2) · no mismatch"
        ), title
        table = app.screen.query_one("#integrity", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        restore = {(r[0], r[2]): r[1] for r in rows if r[3] == "restore"}
        assert restore[("app-2", "before; failed at verify")] == "✘ not reached", rows
        assert restore[("app-1", "after")] == "✔ match", rows
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.get_screen("execution"))


def test_a_drill_with_no_integrity_check_says_so_not_a_tick(fleet):  # noqa: F811
    """Seen on a real fleet: a scenario without [scenarios.integrity] (and a strategy that
    records none) ended its report with `integrity  0 record(s), 0 mismatch(es) ✔`, as if
    the data had been checked and found sound."""
    drills = {**DRILLS, "scenarios": [{**DRILLS["scenarios"][0]}]}
    del drills["scenarios"][0]["integrity"]
    (fleet.config / "drills.toml").write_text(tomli_w.dumps(drills))
    result = fleet.cli("drill", "--scenario", "bad-release", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DRILL bad-release: PASSED" in result.stdout
    assert "0 record(s), 0 mismatch(es)" not in result.stdout
    assert (
        "  integrity  not checked: the scenario has no integrity command and the strategy"
        " recorded none\n" in result.stdout
    )


def test_the_gate_with_json_prints_one_document_and_nothing_else(fleet):  # noqa: F811
    """Seen on a real fleet: `drill --gate --systems web --json` printed the gate's text
    lines, and with --run the drill's JSON document then the gate's text after it: a
    pipeline reading stdout as JSON failed. `--list --json` printed text too."""
    closed = fleet.cli("drill", "--gate", "--systems", "app", "--json")
    assert closed.returncode == 1, closed.stderr
    document = json.loads(closed.stdout)
    assert (document["schema"], document["ok"], document["exit_status"]) == (
        "rollback-console/drill-gate",
        False,
        1,
    )
    assert (document["gate"], document["systems"], document["drills"]) == ("closed", ["app"], [])
    [row] = document["status"]
    assert (row["system"], row["cadence"], row["standing"]) == (
        "app",
        "before-deploy (12 h)",
        "DUE",
    )

    opened = fleet.cli("drill", "--gate", "--systems", "app", "--run", "--json")
    assert opened.returncode == 0, opened.stdout + opened.stderr
    document = json.loads(opened.stdout)
    assert (document["ok"], document["gate"]) == (True, "open")
    [drill] = document["drills"]
    assert (drill["scenario"], drill["passed"]) == ("bad-release", True)
    assert document["status"][0]["standing"] == "ok"

    listed = fleet.cli("drill", "--list", "--json")
    assert listed.returncode == 2 and listed.stdout == ""
    assert listed.stderr.splitlines() == [
        "error: --json goes with a drill, --due, --status or --gate; --list prints text"
    ]


def test_an_outcome_not_expected_names_the_hosts_the_strategy_failed_on(fleet):  # noqa: F811
    """Walked on staging (helper-153): a gate's drill read '✘ outcome: expected rolled
    back and verified, got halted by the failure threshold' and no more in the CI log's
    report; which host failed, at which stage and why, only in the log lines above it."""
    (fleet.sandboxes["app-2"] / "releases" / "1.0" / "health").write_text("bad\n")
    result = fleet.cli("drill", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    [outcome] = [ln for ln in result.stdout.splitlines() if ln.startswith("  ✘ outcome:")]
    assert outcome.startswith("  ✘ outcome: expected rolled back and verified, got "), outcome
    assert outcome.endswith(" (failed on app-2 at verify: exit status 1)"), outcome


def test_a_precheck_that_failed_is_named_with_why_not_refused_alone(fleet):  # noqa: F811
    """Walked on staging (helper 229): a restore whose precheck failed (exit 3, `pg_controldata
    not found in /usr/local/bin: set bindir`) read '✘ outcome: expected rolled back and
    verified, got refused by a precheck', as if the host had nothing to roll back; which
    host, and what its precheck said, only in the log above it."""
    shutil.rmtree(fleet.sandboxes["app-2"] / "releases" / "1.0")
    result = fleet.cli("drill", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    [outcome] = [ln for ln in result.stdout.splitlines() if ln.startswith("  ✘ outcome:")]
    assert outcome.startswith("  ✘ outcome: expected rolled back and verified, got "), outcome
    assert outcome.endswith(" (failed on app-2 at precheck: exit status 1)"), outcome
