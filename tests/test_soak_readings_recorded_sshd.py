"""The stability check's readings are the record's "after": each round's per-host values
are journalled, so the document's Before → after reads every host its probe verified.
Walked as a new user: the same incident, in the console and with `run`, exported two
documents that differed in one line, the console's `web/serving (probe) | – | ok | all 4
hosts` and run's `... | ok | web-1`: the soak's rounds were thinned out of the journal
(one sample in `journal_every`, or a change of state), so run's document had only the
reading taken between the canary's wave and the rest, the console's a live sample that
happened to come later."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.payloads import ProbeSample
from console.model.state import StepStatus, fold
from tests.cli_fleet import FLIP, Fleet, checklist, write_fleet
from tests.test_remote_lifetime import _wait_for

pytestmark = pytest.mark.sshd

VERIFY = {
    "id": "verify",
    "title": "Verify system stability",
    "kind": "probe",
    "soak": {"samples": 2, "max_samples": 3, "interval": 1.0},
}
RESTORE = {"id": "restore", "title": "Restore", "kind": "strategy"}
PROCEDURE = checklist(RESTORE, VERIFY)
STRATEGIES = {"strategies": [{**FLIP, "waves": {"sizes": [1, "100%"]}}]}
PROBES = [
    {"name": "up", "kind": "command", "command": "test -d . && echo ok || echo down"},
    # a number in its unit: its after read `190`, no unit (seen: a latency read 2400 → 190)
    {"name": "p99", "kind": "command", "command": "echo 190", "threshold": 2000, "unit": "ms"},
]


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    return write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=PROBES)


def test_the_soak_rounds_are_the_documents_after_on_every_host(fleet: Fleet) -> None:
    journal = fleet.state / "incident"
    result = fleet.cli(
        "run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "checkout errors", "--yes", "--journal", str(journal),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr

    exported = fleet.cli("export", str(journal), "--format", "markdown", "-o", "-")
    assert exported.returncode == 0, exported.stderr
    rows = [line for line in exported.stdout.splitlines() if "(probe) |" in line]
    assert rows == [
        "| app/p99 (probe) | – | 190 ms | both hosts |",
        "| app/up (probe) | – | ok | both hosts |",
    ], rows

    soaked = [
        e.data
        for e in read_journal(journal).events
        if isinstance(e.data, ProbeSample)
        and e.data.journalled == "soak"
        and e.data.probe == "app/up"
    ]
    assert len(soaked) == 2, soaked  # a sample a round, the two rounds it took
    assert all(sorted(s.hosts) == ["app-1", "app-2"] for s in soaked), soaked


def test_a_stability_check_a_hangup_cut_short_reads_stopped(fleet: Fleet) -> None:
    """`run` sent SIGHUP (its terminal closed; here a `kill -HUP`) while its stability check
    waited between rounds: the check ends there, judging nothing, and reads stopped, to be
    checked again, as the console's detach leaves it; it read failed ('✘ failed' on the
    resumed checklist). The run stops there, the incident open, exit 129."""
    long = {**VERIFY, "soak": {"samples": 5, "max_samples": 6, "interval": 30.0}}
    (fleet.config / "procedure.toml").write_text(tomli_w.dumps(checklist(RESTORE, long)))
    journal = fleet.state / "incident"
    run = fleet.started(
        "run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "checkout errors", "--yes", "--journal", str(journal),
    )  # fmt: skip
    try:
        path = journal / "journal.jsonl"
        soaking = '"soak.progress"'
        _wait_for(lambda: path.exists() and soaking in path.read_text(), "the first round")
        run.send_signal(signal.SIGHUP)
        assert run.wait(timeout=30) == 129  # not the 30 s to the next round
    finally:
        run.kill()
        run.wait(timeout=30)
    state = fold(read_journal(journal).events)
    assert state.step("verify").status is StepStatus.STOPPED, state.step("verify")
    assert not state.closed
