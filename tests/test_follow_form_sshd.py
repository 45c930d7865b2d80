"""A second responder's follow view says of a form step what the commander's says: which
fields are filled and which it waits for. Walked at 80x24 on two real sshd hosts: a
headless `run` (another process) closed its incident, its form step still pending; the
commander's checklist read '1 of 3 field(s) filled; done once filled: Root cause,
Remediation plan', the follower's '0 of 0 field(s) filled; done once filled: all of them
(save the form)' (the journal's steps held no fields)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_fleet import FLAG_PROCEDURE, Fleet, flag_fleet, run_off
from tests.test_resume_held_stage import STRATEGIES
from tests.test_strategy_chosen_after_run import followed_detail
from tests.test_ui_support import _close_engines  # noqa: F401

pytestmark = pytest.mark.sshd

FORM = {
    "id": "doc",
    "title": "Document the rollback",
    "kind": "form",
    "fields": ["reason", "root_cause", "remediation"],
    "required_fields": ["root_cause", "remediation"],
}
PROCEDURE = {**FLAG_PROCEDURE, "phases": [*FLAG_PROCEDURE["phases"][:2]]}
PROCEDURE["phases"].append({"phase": "post", "steps": [FORM]})


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    return flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=100\n")


async def test_a_follower_reads_a_form_steps_fields_as_the_commander_does(fleet: Fleet) -> None:
    run = run_off(fleet)
    assert run.returncode == 0, run.stdout + run.stderr
    assert set(fleet.written("flags").values()) == {"new_checkout=0\n"}
    (journal,) = (fleet.state / "incidents").glob("*/journal.jsonl")
    said = await followed_detail(journal, "doc", "Document the rollback")
    assert "1 of 3 field(s) filled; done once filled: Root cause, Remediation plan" in said
