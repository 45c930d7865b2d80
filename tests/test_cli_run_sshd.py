"""`run` headless on a real OpenSSH fleet, to the close: what --yes confirmed says so,
the post-rollback fields come from --form and --form-file, and --outcome closes the
incident when the record agrees (here: one host failed, so it is partial)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w

from console.engine.session import Engine
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.outcome import Outcome
from console.model.state import HostStatus, fold
from tests.cli_fleet import Fleet, write_fleet

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "flip",
            "kind": "custom",
            "description": "Write the release marker back",
            "commands": {
                "precheck": "test -d .",
                "action": "test ! -f broken && echo 2.4.0 > release",
                "verify": "grep -q 2.4.0 release",
            },
        }
    ]
}
PROCEDURE = {
    "name": "Release rollback",
    "phases": [
        {
            "phase": "immediate",
            "steps": [
                {"id": "bridge", "title": "Open the bridge", "kind": "manual"},
                {
                    "id": "look",
                    "title": "Look",
                    "kind": "command",
                    "command": "uptime",
                    "confirm": False,
                },
            ],
        },
        {
            "phase": "execution",
            "steps": [{"id": "restore", "title": "Restore the release", "kind": "strategy"}],
        },
        {
            "phase": "post",
            "steps": [
                {
                    "id": "doc",
                    "title": "Document",
                    "kind": "form",
                    "fields": ["reason", "root_cause", "lessons"],
                },
            ],
        },
    ],
}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    (fleet.sandboxes["app-2"] / "broken").write_text("")  # its action fails: exit 1
    return fleet


def run(fleet: Fleet, *extra: str):
    return fleet.cli(
        "run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "checkout errors", "--journal", str(fleet.state / "incident"), *extra,
    )  # fmt: skip


def test_a_dry_run_asks_for_no_yes_and_a_run_does(fleet: Fleet) -> None:
    dry = run(fleet, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "test ! -f broken && echo 2.4.0 > release" in dry.stdout
    refused = run(fleet)
    assert refused.returncode == 2
    assert "pass --yes to confirm them" in refused.stderr
    assert not (fleet.state / "incident").exists()  # refused before anything is recorded


def test_yes_form_and_outcome_on_real_hosts(fleet: Fleet, tmp_path: Path) -> None:
    form = tmp_path / "form.toml"
    form.write_text('root_cause = "a null price in the cart"\nlessons = "old lessons"\n')
    result = run(
        fleet, "--yes", "--commander", "alice@10.0.0.7", "--form-file", str(form),
        "--form", "lessons=canary first", "--outcome", "partial:app-2",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr  # app-2 was not rolled back
    assert "FAILED: partially rolled back" in result.stdout
    assert (fleet.sandboxes["app-1"] / "release").read_text() == "2.4.0\n"
    assert not (fleet.sandboxes["app-2"] / "release").exists()

    events = read_journal(fleet.state / "incident").events
    confirmed = [e for e in events if e.kind == Kind.STEP_CONFIRMED]
    assert [e.data.by for e in confirmed] == ["--yes (headless)"]
    started = {e.where.step: e.data.confirmed for e in events if e.kind == Kind.STEP_STARTED}
    assert started["restore"] == "--yes (headless)"
    assert not started["look"]  # read-only: nobody was asked
    assert {e.who.commander for e in events[2:]} == {"alice@10.0.0.7"}
    fields = {e.data.field: e.data.value for e in events if e.kind == Kind.FIELD_SET}
    assert fields == {
        "reason": "checkout errors",
        "root_cause": "a null price in the cart",
        "lessons": "canary first",  # --form wins over --form-file
    }
    closed = events[-1]
    assert closed.kind == Kind.INCIDENT_CLOSED
    assert closed.data.outcome == "partial" and closed.data.hosts == ["app-2"]
    assert [e.kind for e in events[-3:-1]].count(Kind.LOCK_RELEASED) == 1

    export = fleet.cli("export", str(fleet.state / "incident" / "journal.jsonl"))
    assert "| Commander | alice@10.0.0.7 |" in export.stdout
    assert "| Outcome | partially rolled back; not rolled back: app-2 |" in export.stdout


def test_every_host_rolled_back_but_not_verified_closes_as_such_not_failed(
    sshd_server, tmp_path: Path
) -> None:
    """As the console's close suggests: the hosts were rolled back; the check failed."""
    procedure = json.loads(json.dumps(PROCEDURE))
    verify = {"id": "verify", "title": "Verify stability", "kind": "probe"}
    procedure["phases"][1]["steps"].append(verify)
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    result = run(fleet, "--yes")
    assert result.returncode == 1, result.stdout + result.stderr  # not verified
    last = result.stdout.splitlines()[-1]
    assert ": NOT VERIFIED: rolled back, not verified: “Verify stability” failed (" in last
    for host in ("app-1", "app-2"):
        assert (fleet.sandboxes[host] / "release").read_text() == "2.4.0\n"
    closed = read_journal(fleet.state / "incident").events[-1]
    assert closed.kind == Kind.INCIDENT_CLOSED and closed.data.outcome == "unverified"
    (fleet.state / "incident").rename(fleet.state / "first")
    doc = json.loads(run(fleet, "--yes", "--json").stdout)
    assert (doc["ok"], doc["exit_status"], doc["outcome"]) == (False, 1, "unverified")
    assert doc["verdict"] == "rolled back, not verified"


def test_a_strategy_that_verifies_nothing_with_no_stability_check_is_not_verified(
    sshd_server, tmp_path: Path
) -> None:
    """PROCEDURE has no probe step, and this strategy no verify: every host rolled back,
    and nothing verified it. It closed as "rolled back and verified", exit 0."""
    strategies = json.loads(json.dumps(STRATEGIES))
    del strategies["strategies"][0]["commands"]["verify"]
    files = {"strategies.toml": strategies, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    checked = fleet.cli("check-config")
    assert checked.returncode == 0, checked.stderr
    assert (
        "strategies[0].name: strategy 'flip' has no verify command, and the procedure no"
        " stability check" in checked.stderr
    )
    result = run(fleet, "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    last = result.stdout.splitlines()[-1]
    assert (
        ": NOT VERIFIED: rolled back, not verified: nothing verified it: strategy “flip” has"
        " no verify command, and the procedure no stability check (a probe step)" in last
    )
    for host in ("app-1", "app-2"):
        assert (fleet.sandboxes[host] / "release").read_text() == "2.4.0\n"
    closed = read_journal(fleet.state / "incident").events[-1]
    assert closed.kind == Kind.INCIDENT_CLOSED and closed.data.outcome == "unverified"


def _still_under_way_fleet(sshd_server, tmp_path: Path) -> Fleet:
    """app-2's verify exits 75 (still under way) while a `slow` file is there."""
    strategies = json.loads(json.dumps(STRATEGIES))
    strategies["strategies"][0]["commands"]["verify"] = (
        'if [ -f slow ]; then echo "still migrating" >&2; exit 75; fi; grep -q 2.4.0 release'
    )
    files = {"strategies.toml": strategies, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    (fleet.sandboxes["app-2"] / "slow").write_text("")
    return fleet


async def test_a_verify_that_finds_its_change_still_under_way_leaves_the_incident_open(
    sshd_server, tmp_path: Path
) -> None:
    """A verify exiting 75 (still under way) leaves its host unknown: the run does not
    close the incident (it closed it as failed, and a closed incident reopens for
    amendments only, so V could never settle app-2). It exits 4, says which host is
    unknown, why and how to settle it, and keeps the system's lock; the verify its last
    lines print settles the host once the change has finished (they said 'resume ..., then
    V (the step's verify there; R retries the step there)': keys of no use where the run
    was), in that incident, which stays open for the console."""
    fleet = _still_under_way_fleet(sshd_server, tmp_path)
    result = run(fleet, "--yes")
    said = result.stdout + result.stderr
    assert result.returncode == 4, said
    events = read_journal(fleet.state / "incident").events
    assert not [e for e in events if e.kind in (Kind.INCIDENT_CLOSED, Kind.LOCK_RELEASED)]
    incident = events[0].data.incident_id
    *_, left, settle, last = result.stdout.splitlines()
    assert last == (
        f"{incident}: UNKNOWN, left open: outcome unknown on app-2: the step's verify found"
        " the change still under way there; verify them again; journal"
        f" {fleet.state / 'incident' / 'journal.jsonl'}"
    ), said
    assert left == (
        "left open, its locks held (app): another incident there needs --take-over-lock REASON"
    ), said
    where = f"{fleet.state / 'incident'} --config {fleet.config}"
    assert settle == (
        f"to settle them: rollback-console verify {where} (the step's verify there, in this"
        " incident); a retry there, the steps left and the close are the console's:"
        f" rollback-console resume {where}"
    ), said
    assert " V " not in said and "R retries" not in said
    assert events[-1].kind == Kind.NOTE_ADDED and "left open" in events[-1].data.text
    # Its verify's line says what the summary says: unknown, not failed.
    assert "app-2      verify ended, outcome unknown: non-zero exit" in result.stdout, said
    assert "verify failed" not in result.stdout, said

    # The lock stays: another run on app is refused (its holder's process is gone).
    (fleet.state / "incident").rename(fleet.state / "first")
    refused = run(fleet, "--yes")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert f"incident {incident}" in refused.stderr and "stale" in refused.stderr
    assert not (fleet.state / "incident").exists()

    # While the change still runs, the verify printed says so and keeps the lock (exit 4).
    first = str(fleet.state / "first")
    still = fleet.cli("verify", first)
    assert still.returncode == 4, still.stdout + still.stderr
    assert "app-2: not verified" in still.stdout, still.stdout
    assert "verify again once the change has finished" in still.stderr, still.stderr
    # Once the change has finished, it settles app-2, in that incident: exit 0. The verify
    # edited since the incident opened is said, and what it shows is what it sends.
    (fleet.sandboxes["app-2"] / "slow").unlink()
    strategies = fleet.config / "strategies.toml"
    strategies.write_text(strategies.read_text().replace("grep -q 2.4.0", "grep -qF 2.4.0"))
    verified = fleet.cli("verify", first)
    verified_as_changed(verified)
    assert f"incident {incident} stays open:" in verified.stderr, verified.stderr
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(fleet.state / "first" / "journal.jsonl")  # the lock taken back
    try:
        assert conductor.state.step("restore").hosts["app-2"].status is HostStatus.SUCCEEDED
        conductor.close(Outcome.ROLLED_BACK)
    finally:
        await engine.close()
        conductor.recorder.close()
    assert fold(read_journal(fleet.state / "first").events).outcome == "rolled-back"


def test_run_json_says_the_outcome_is_unknown_and_the_incident_open(
    sshd_server, tmp_path: Path
) -> None:
    fleet = _still_under_way_fleet(sshd_server, tmp_path)
    result = run(fleet, "--yes", "--json")
    assert result.returncode == 4, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert (doc["ok"], doc["exit_status"], doc["outcome"]) == (False, 4, None)
    assert doc["verdict"] == "outcome unknown: left open"
    assert doc["hosts"]["app-2"]["status"] == "unknown"


def test_a_drill_with_a_host_unknown_still_ends_with_a_verdict(sshd_server, tmp_path: Path) -> None:
    """A drill must end with a verdict: it closes as failed, naming the unknown host (it
    did not show the rollback verified). On your own hosts it keeps the system's lock, as
    any close with a host unknown does: a change may still run there (verify releases it:
    tests/test_drill_unknown_sshd.py)."""
    fleet = _still_under_way_fleet(sshd_server, tmp_path)
    result = fleet.cli(
        "drill", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "game day", "--journal", str(fleet.state / "incident"), "--yes",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    closed = read_journal(fleet.state / "incident").events[-1]
    assert closed.kind == Kind.INCIDENT_CLOSED
    assert closed.data.outcome == "failed"
    assert closed.data.reason == (
        "outcome unknown on app-2: the step's verify found the change still under way there;"
        " verify them again"
    ), closed.data.reason
    kept = [p.name for p in (fleet.state / "locks").glob("*.lock")]
    assert kept == ["app.lock"], kept


def test_verify_of_an_open_incident_says_the_data_after_and_its_verdict(
    sshd_server, tmp_path: Path
) -> None:
    """A data strategy's run left app-2 unknown (its verify: still under way); the verify
    that settled it said `app-2: verified: succeeded` alone, the data after it recorded
    (and how it was judged against the expected rows) on no line, where the verify of a
    closed incident says it."""
    fleet = _still_under_way_fleet(sshd_server, tmp_path)
    strategies = json.loads(json.dumps(STRATEGIES))
    strategy = strategies["strategies"][0]
    strategy["data_touching"] = True
    strategy["commands"] |= {
        "precheck": "echo 'integrity stage=before rows.orders=3'",
        "verify": 'if [ -f slow ]; then echo "still migrating" >&2; exit 75; fi;'
        " grep -q 2.4.0 release && echo 'integrity stage=after rows.orders=3'",
    }
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps(strategies))
    assert run(fleet, "--yes").returncode == 4
    (fleet.sandboxes["app-2"] / "slow").unlink()

    verified = fleet.cli("verify", str(fleet.state / "incident"))

    assert verified.returncode == 0, verified.stdout + verified.stderr
    said = "data after: orders=3 (match: the rows of orders the same as before restore ran)"
    assert f"app-2: verified: succeeded; {said}" in verified.stdout, verified.stdout


def verified_as_changed(verified) -> None:
    """A verify of app-2 whose strategies.toml's verify command became `grep -qF 2.4.0`
    since the incident opened: said first, key by key, then sent as shown, and succeeded."""
    assert verified.returncode == 0, verified.stdout + verified.stderr
    said = verified.stdout.splitlines()[0]  # what changed in it, key by key
    assert said.startswith("! strategies.toml (strategies.") and ".commands.verify: " in said
    assert said.endswith(
        ") changed since the incident opened: this verify sends what is shown, the files as"
        " they are now."
    ), verified.stdout
    assert "grep -qF 2.4.0 release" in verified.stdout, verified.stdout
    assert "app-2: verified: succeeded" in verified.stdout, verified.stdout
