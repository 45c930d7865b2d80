"""A scenario's drill asks the hosts what `target = previous` stands for before its
strategy step, as the console (before its confirmation) and headless `run` do: the drill
rehearses the path a real rollback takes. Walked on 4 sshd hosts, configured from `init`:
on a fleet whose delivery was halted midway (app-4 still on the good 2.9.1, previous
there 2.8.0), `run` sent nothing and said why, while `drill --scenario` sent app-4 to
2.8.0, a release before the good one, and PASSED. Now the drill leaves the step unsent,
fails saying why and how to go on (its parameters are in drills.toml), and where the
hosts agree it runs with the release itself (chosen again, journalled), as `run` does.
Real OpenSSH sshd, real journals, the command line as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w

from console.model.events import Kind
from console.model.outcome import Outcome
from console.model.state import StepStatus, fold
from tests.cli_fleet import Fleet
from tests.test_needed_nothing_sshd import releases
from tests.test_resolve_headless_sshd import chosen, events_of, halted_midway, sent_for
from tests.test_resolve_release_sshd import fleet as four_hosts  # noqa: F401

pytestmark = pytest.mark.sshd

SCENARIO = {
    "name": "app-release",
    "description": "The app goes back to the release before the bad one",
    "systems": ["app"],
    "strategy": "version-rollback",
    "trigger": "user-impact",
    "reason": "monthly release rollback drill",
    "expect": "verified",
}


@pytest.fixture
def fleet(four_hosts: Fleet) -> Fleet:  # noqa: F811
    """Four hosts on 2.10.0, 2.9.1 before it, and a scenario rolling them back."""
    (four_hosts.config / "drills.toml").write_text(tomli_w.dumps({"scenarios": [SCENARIO]}))
    return four_hosts


def drill(fleet: Fleet, journal: Path):
    return fleet.cli(
        "drill", "--scenario", "app-release", "--yes", "--json", "--journal", str(journal)
    )


def test_a_drill_on_hosts_that_differ_sends_nothing_and_says_why(fleet, tmp_path):
    halted_midway(fleet)
    before = releases(fleet)

    stopped = drill(fleet, tmp_path / "drill")

    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert releases(fleet) == before  # app-4 was sent to 2.8.0, and the drill passed
    assert sent_for(tmp_path / "drill", "restore") == []
    [verdict] = json.loads(stopped.stdout)["drills"]
    assert verdict["passed"] is False and verdict["outcome"] == "failed"
    problem = (
        "“Restore previous version” not started, nothing sent: target=previous stands for"
        " different values on the hosts ("
    )
    assert verdict["findings"][0].startswith(problem), verdict["findings"]
    assert verdict["findings"][0].endswith(
        ": name it in the scenario's params in drills.toml (target = VALUE)"
    ), verdict["findings"]
    state = fold(events_of(tmp_path / "drill"))
    assert state.outcome == Outcome.FAILED and state.drill
    assert state.step("restore").status is StepStatus.PENDING
    assert state.params.get("target") == "previous"  # nothing pinned


def test_a_drill_on_hosts_that_agree_runs_with_the_release_itself(fleet, tmp_path):
    done = drill(fleet, tmp_path / "drill")

    assert done.returncode == 0, done.stdout + done.stderr
    [verdict] = json.loads(done.stdout)["drills"]
    assert verdict["passed"] is True, verdict["findings"]
    assert set(releases(fleet).values()) == {"2.9.1"}
    # chosen again with it, journalled, before the step sent anything (as run and the console)
    assert [p.get("target") for p in chosen(tmp_path / "drill")] == ["previous", "2.9.1"]
    # said once, as run and the console say it: strategy.resolved, no note beside it
    # (a note said it again, headless only, until 4572f1ff)
    events = events_of(tmp_path / "drill")
    assert [e.kind for e in events].count(Kind.STRATEGY_RESOLVED) == 1
    assert not [e for e in events if e.kind == Kind.NOTE_ADDED and "Resolved" in e.data.text]
