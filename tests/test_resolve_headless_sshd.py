"""Headless `run` asks the hosts what `target = previous` stands for before its strategy
step, as the console asks before its confirmation (tests/test_resolve_release_sshd):
interactive and headless give the same result. Found on main: on a fleet whose delivery
was halted midway (app-4 still on the good 2.9.1, where previous is 2.8.0), `run` sent
app-4 to 2.8.0, a release before the good one, where the console stops before asking.
Now: hosts that agree run with that release itself (the strategy chosen again with it,
journalled, a `Resolved:` line in the output); hosts that differ, or none able to
resolve it, leave the step not started, nothing sent for it, the incident closed failed
naming the problem and how to go on (`--param target=...`), exit 1; a host that cannot
(its precheck would fail), and hosts rolled back already by a colleague, are named and
the others go on with previous, as in the console. Real
OpenSSH sshd, real journals, the command line as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.engine.locking import Claim
from console.journal.lock import SystemLocks
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.outcome import Outcome
from console.model.state import StepStatus, fold
from tests.cli_fleet import Fleet
from tests.test_needed_nothing_sshd import ALREADY as RELEASED_ALREADY
from tests.test_needed_nothing_sshd import HOSTS, colleagues_incident, releases, run
from tests.test_resolve_release_sshd import fleet as four_hosts  # noqa: F401

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(four_hosts: Fleet) -> Fleet:  # noqa: F811
    """Four hosts on 2.10.0, 2.9.1 before it (test_needed_nothing_sshd's fleet)."""
    return four_hosts


# the one line that says it (a note said it again, headless only, until 2026-12-06)
RESOLVED = "resolved target=previous (version-rollback) as 2.10.0 → 2.9.1 on"
WORDS = ": release 2.10.0 to 2.9.1"


def resolved_line(stdout: str) -> str:
    [line] = [ln for ln in stdout.splitlines() if " resolved target=previous " in ln]
    assert "noted: Resolved" not in stdout, stdout  # said once
    return line


def halted_midway(fleet: Fleet) -> None:
    """app-4 never got the bad 2.10.0 (the delivery was halted before it): previous there
    is 2.8.0, a release back from the good one."""
    sandbox = fleet.sandboxes["app-4"]
    (sandbox / "releases" / "2.8.0").mkdir()
    (sandbox / "current").unlink()
    (sandbox / "current").symlink_to("releases/2.9.1")


def events_of(journal: Path):
    return read_journal(journal / "journal.jsonl").events


def sent_for(journal: Path, step: str) -> list[str]:
    return [
        e.where.host
        for e in events_of(journal)
        if e.kind == Kind.COMMAND_INTENT and e.where.step == step
    ]


def chosen(journal: Path) -> list[dict[str, str]]:
    """The parameters of each strategy choice, in order."""
    return [dict(e.data.params) for e in events_of(journal) if e.kind == Kind.STRATEGY_CHOSEN]


def test_hosts_that_agree_run_with_the_release_itself(fleet, tmp_path):
    done = run(fleet, tmp_path / "run")

    assert done.returncode == 0, done.stdout + done.stderr
    assert set(releases(fleet).values()) == {"2.9.1"}
    line = resolved_line(done.stdout)
    assert line.endswith(f"{RESOLVED} app-1–app-4 (4 hosts){WORDS}"), done.stdout
    # the strategy chosen again with it, journalled, before the step sent anything
    assert [p.get("target") for p in chosen(tmp_path / "run")] == ["previous", "2.9.1"]
    state = fold(events_of(tmp_path / "run"))
    assert state.params["target"] == "2.9.1" and state.outcome == Outcome.ROLLED_BACK
    kinds = [e.kind for e in events_of(tmp_path / "run")]
    assert Kind.STRATEGY_RESOLVED in kinds and Kind.NOTE_ADDED not in kinds, kinds


def test_hosts_that_differ_leave_the_step_unsent_and_say_how_to_go_on(fleet, tmp_path):
    halted_midway(fleet)
    before = releases(fleet)

    stopped = run(fleet, tmp_path / "run")

    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert releases(fleet) == before  # app-4 was sent to 2.8.0 on main
    assert sent_for(tmp_path / "run", "restore") == []
    verdict = stopped.stdout.strip().splitlines()[-1]
    problem = (
        "FAILED: “Restore previous version” not started, nothing sent: target=previous"
        " stands for different values on the hosts (2.9.1 on app-1, app-2, app-3; 2.8.0 on"
        " app-4): run again naming it (--param target=VALUE), or on fewer hosts (--hosts)"
    )
    assert problem in verdict, verdict
    state = fold(events_of(tmp_path / "run"))
    assert state.outcome == Outcome.FAILED
    assert state.step("restore").status is StepStatus.PENDING
    assert state.step("verify").status is StepStatus.PENDING  # not a soak of nothing
    assert state.params.get("target", "previous") == "previous"  # nothing pinned
    notes = [
        e.data.text
        for e in events_of(tmp_path / "run")
        if e.kind == Kind.NOTE_ADDED and e.where.step == "restore"
    ]
    assert any("stands for different values" in n for n in notes), notes
    assert "rollback-console undo" not in stopped.stdout  # nothing changed to undo

    # --json says it as well
    as_json = fleet.cli(
        "run", "--systems", "app", "--strategy", "version-rollback", "--trigger",
        "user-impact", "--reason", "checkout errors", "--yes", "--json",
        "--journal", str(tmp_path / "json"),
    )  # fmt: skip
    assert as_json.returncode == 1, as_json.stdout + as_json.stderr
    result = json.loads(as_json.stdout)
    assert result["outcome"] == "failed" and result["exit_status"] == 1
    assert "stands for different values on the hosts" in result["closed"]
    assert result["steps"].get("restore", {}).get("status", "pending") == "pending"
    assert releases(fleet) == before

    # how to go on: the release named, the host already on it needs nothing
    named = fleet.cli(
        "run", "--systems", "app", "--strategy", "version-rollback", "--param",
        "target=2.9.1", "--trigger", "user-impact", "--reason", "checkout errors", "--yes",
        "--journal", str(tmp_path / "named"),
    )  # fmt: skip
    assert named.returncode == 0, named.stdout + named.stderr
    assert set(releases(fleet).values()) == {"2.9.1"}
    assert "resolved target=" not in named.stdout  # a release named: checked, not resolved
    # ... and said so, as its record says it (asked before the incident opened)
    [checked] = [ln for ln in named.stdout.splitlines() if "target=2.9.1 checked " in ln]
    assert checked.split()[1] == "restore", checked
    assert "target=2.9.1 checked (version-rollback), asked at " in checked, checked
    assert checked.endswith(
        ": every host has it: 2.10.0 → 2.9.1 on app-1–app-3"
        " (3 hosts): release 2.10.0 to 2.9.1; nothing to do on app-4: already on 2.9.1:"
        " nothing to roll back"
    ), checked


def test_a_host_that_cannot_resolve_it_is_named_and_the_others_go_on(fleet, tmp_path):
    """app-4 on 2.9.1 with no release before it: its precheck would fail there. As in the
    console, the others go on with previous (not pinned: it is not their one value), app-4
    failing at its precheck, nothing changed there."""
    sandbox = fleet.sandboxes["app-4"]
    (sandbox / "current").unlink()
    (sandbox / "current").symlink_to("releases/2.9.1")
    (sandbox / "releases" / "2.10.0").rmdir()

    ran = run(fleet, tmp_path / "run")

    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert set(releases(fleet).values()) == {"2.9.1"}  # app-4 as it was
    line = resolved_line(ran.stdout)
    assert f"{RESOLVED} app-1–app-3 (3 hosts){WORDS};" in line, line
    assert "; not resolved, their precheck decides, on app-4: no release to roll back to" in line
    assert [p.get("target") for p in chosen(tmp_path / "run")] == ["previous"]
    assert set(sent_for(tmp_path / "run", "restore")) == set(HOSTS)


def test_no_host_able_to_resolve_it_stops_it_before_anything_is_sent(fleet, tmp_path):
    """Every host's releases directory gone: none can say what previous is."""
    for sandbox in fleet.sandboxes.values():
        (sandbox / "releases" / "2.9.1").rmdir()
    before = releases(fleet)

    stopped = run(fleet, tmp_path / "run")

    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert releases(fleet) == before
    assert sent_for(tmp_path / "run", "restore") == []
    verdict = stopped.stdout.strip().splitlines()[-1]
    said = "not started, nothing sent: target=previous could not be resolved on app-1 (and 3"
    assert said in verdict, verdict
    assert "no release to roll back to from 2.10.0" in verdict, verdict
    assert (
        "; fix it there, or run again naming it (--param target=VALUE), or on fewer hosts"
        " (--hosts)" in verdict
    ), verdict


def test_hosts_rolled_back_already_need_nothing_and_the_others_roll_back(fleet, tmp_path):
    first = colleagues_incident(fleet, tmp_path)

    done = run(fleet, tmp_path / "second")

    assert done.returncode == 0, done.stdout + done.stderr
    assert set(releases(fleet).values()) == {"2.9.1"}
    line = resolved_line(done.stdout)
    assert f"{RESOLVED} app-3, app-4 (2 hosts){WORDS};" in line, line
    nothing = f"; nothing to do on app-1, app-2 (2 hosts): {RELEASED_ALREADY.format(first)}"
    assert nothing in line, line
    # not pinned: 2.9.1 named on app-1 and app-2 would be a release to go to there
    assert [p.get("target") for p in chosen(tmp_path / "second")] == ["previous"]
    state = fold(events_of(tmp_path / "second"))
    assert sorted(state.step("restore").needed_nothing()) == ["app-1", "app-2"]
    assert state.outcome == Outcome.ROLLED_BACK


def test_dry_run_says_the_release_is_asked_of_the_hosts(fleet, tmp_path):
    dry = fleet.cli(
        "run", "--systems", "app", "--strategy", "version-rollback", "--trigger",
        "user-impact", "--reason", "checkout errors", "--dry-run",
    )  # fmt: skip
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "# target=previous: not known here (nothing is connected); the run asks" in dry.stdout
    assert "2.9.1" not in dry.stdout
    named = fleet.cli(
        "run", "--systems", "app", "--strategy", "version-rollback", "--param", "target=2.9",
        "--trigger", "user-impact", "--reason", "checkout errors", "--dry-run",
    )  # fmt: skip
    assert named.returncode == 0, named.stdout + named.stderr
    assert (
        "# target=2.9: the run asks every host whether it is there to go to before this\n"
        "# step (nothing is connected here); where a host lacks it, nothing is sent for\n"
        "# the step\n"
    ) in named.stdout, named.stdout


def test_hosts_rolled_back_already_are_named_beside_those_that_cannot_resolve_it(fleet, tmp_path):
    """Walked with a hung host beside hosts a colleague had rolled back: the stop named
    only the hung host, as if no host could say what previous is; the others, rolled back
    already, went unsaid. Here the hosts that cannot say have no release to go back to."""
    first = colleagues_incident(fleet, tmp_path)
    for host in ("app-3", "app-4"):  # one release only: nothing to go back to
        (fleet.sandboxes[host] / "releases" / "2.9.1").rmdir()

    stopped = run(fleet, tmp_path / "second")

    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    verdict = stopped.stdout.strip().splitlines()[-1]
    said = "target=previous could not be resolved on app-3 (and 1 more host(s)): no release"
    assert said in verdict, verdict
    nothing = f"; nothing to do, refused at their precheck: app-1, app-2: {RELEASED_ALREADY}"
    assert nothing.format(first) in verdict, verdict
    assert verdict.endswith(
        "; fix it there, or run again naming it (--param target=VALUE), or on fewer hosts"
        " (--hosts); journal " + str(tmp_path / "second" / "journal.jsonl")
    ), verdict


def test_a_release_named_that_some_hosts_lack_is_refused_before_anything_is_sent(
    fleet, sshd_server, tmp_path
):
    """h245's walk: `target=2.9` named, and nothing asked the hosts before the yes: the run
    went to every host, and those without the release failed at their precheck while the
    others rolled back. It is asked first: hosts that lack it are named, with those where
    it is there, nothing sent; the way on is a run on the hosts that have it. Asked only
    with app's lock: held by a colleague's incident, no host is asked (they were)."""
    for host in ("app-1", "app-2"):
        (fleet.sandboxes[host] / "releases" / "2.9.0").mkdir()
    before = releases(fleet)
    named = ("--param", "target=2.9.0")

    held = Claim.for_incident(
        SystemLocks(fleet.state / "locks"), "20261207-000000-beef", "colleague", tmp_path / "j"
    )
    held.acquire(["app"])
    dialled = sshd_server.server.accepted_connections()
    try:
        refused = run(fleet, tmp_path / "held", named=named)
    finally:
        held.release()
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert sshd_server.server.accepted_connections() == dialled

    stopped = run(fleet, tmp_path / "run", named=named)

    # asked before step 1 sends anything (h266: the delivery was halted first): refused
    # as a bad --param is, no incident opened
    assert stopped.returncode == 2, stopped.stdout + stopped.stderr
    assert not (tmp_path / "run").exists() and releases(fleet) == before
    # said while it waits on them, as at the step (a hung host holds it up to its timeouts)
    asked = "Asking 4 host(s) whether target=2.9.0 is there to go to, before the step runs"
    assert asked in stopped.stdout, stopped.stdout
    verdict = stopped.stderr.strip().splitlines()[-1]
    assert "not started, nothing sent: target=2.9.0 is refused on 2 of 4 host(s): app-3" in verdict
    lacks = f"no release 2.9.0 in {fleet.sandboxes['app-4'].resolve() / 'releases'}"
    assert (
        f"; app-4: {lacks} (the latest there: 2.9.1 2.10.0): name one of them (target)" in verdict
    )
    assert (
        "; it is there on app-1, app-2; run again naming it (--param target=VALUE), or on"
        " fewer hosts (--hosts)"
    ) in verdict, verdict

    fewer = run(fleet, tmp_path / "fewer", "app-1", "app-2", named=named)

    assert fewer.returncode == 0, fewer.stdout + fewer.stderr
    assert releases(fleet) == {**before, "app-1": "2.9.0", "app-2": "2.9.0"}
