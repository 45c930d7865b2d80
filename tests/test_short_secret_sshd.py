"""A secret short enough to be part of the console's own words (a header's value from the
environment, `x`) never breaks the record: walked on real sshd hosts, a re-enable whose
health check failed crashed the run mid-rollout ('internal error: ValidationError: 1
validation error for CommandResult failure ... input_value='non-zero e«redacted»it''),
the flags left at 25 %; once it no longer crashed, every step's phase was journalled as
'e«redacted»ecution', and PagerDuty was never sent its acknowledge as the rollback
started (nobody read an execution phase). A secret that short is masked where it stands
alone, not inside words."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import FLAG_PROCEDURE, Fleet, flag_fleet, run_off
from tests.hooks import ACCEPTED, Hooks
from tests.test_resume_held_stage import STRATEGIES

pytestmark = pytest.mark.sshd

HOOK = {"name": "status-page", "kind": "webhook", "url": "http://127.0.0.1:9/hook"}
HOOK |= {"headers_env": {"Authorization": "STATUS_HOOK_AUTH"}}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path, hooks: Hooks) -> Fleet:
    pager = {"name": "oncall", "kind": "pagerduty", "routing_key": "rk-0123456789abcdef"}
    pager["url"] = hooks.on("/v2/enqueue", ACCEPTED)
    procedure = FLAG_PROCEDURE | {"channels": [HOOK, pager]}
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["off"], "dark_mode=5\n")  # no new_checkout
    fleet.env["STATUS_HOOK_AUTH"] = "x"
    return fleet


def test_a_one_letter_secret_fails_no_run_and_breaks_no_word(fleet: Fleet, hooks: Hooks) -> None:
    run = run_off(fleet)  # its precheck fails on every host: new_checkout is not there
    said = run.stdout + run.stderr
    assert run.returncode == 1, said
    assert "internal error" not in said and "«redacted»" not in said, said
    assert "precheck failed: non-zero exit — exit status 3" in said, said
    (journal,) = (fleet.state / "incidents").glob("*/journal.jsonl")
    events = read_journal(journal).events
    results = [e.data for e in events if e.kind == Kind.COMMAND_RESULT]
    assert {r.failure for r in results} == {"non-zero exit"}, results
    started = [e.data for e in events if e.kind == Kind.STEP_STARTED]
    assert [s.phase for s in started] == ["execution"], started
    closed = next(e.data for e in events if e.kind == Kind.INCIDENT_CLOSED)
    assert closed.outcome == "failed", closed
    pages = [r.body["event_action"] for r in hooks.at("/v2/enqueue")]
    assert pages == ["trigger", "acknowledge", "trigger"], pages  # the close: still open
