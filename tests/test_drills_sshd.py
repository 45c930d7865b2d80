"""A staging-style drill on a real OpenSSH fleet, configured as the README says: the
scenario's fault command deploys the bad release on each host (journalled like a step,
before the trigger), the probe sees it and fires, the rollback puts the good release back,
the data is checked against its baseline, and the fault's undo runs at the end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tomli_w
from textual.widgets import Static

from console.engine.session import Engine
from console.headless.drills import DrillOptions, drill_once
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.app import RollbackApp
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.drills import DrillReport, DrillsScreen
from console.ui.screens.execution import ExecutionScreen
from tests.cli_fleet import HOSTS, Fleet, write_fleet
from tests.fleet_settings import chown_tree
from tests.test_ui_support import START, build_app, until, until_shown

pytestmark = pytest.mark.sshd

SWITCH = 'ln -sfn "releases/$1" current.next && mv -Tf current.next current'
STRATEGIES = {
    "strategies": [
        {
            "name": "release-rollback",
            "kind": "custom",
            "description": "Point `current` back at the good release",
            "params": [{"name": "target", "type": "version", "default": "1.0"}],
            "commands": {
                "precheck": "test -d releases/{{target}} && readlink current",
                "action": f"set -- {{{{target}}}} && {SWITCH} && echo now on $1",
                "verify": 'test "$(cat current/health)" = ok',
            },
        }
    ]
}
PROCEDURE = {
    "name": "Staging rollback",
    "phases": [
        {
            "phase": "immediate",
            "steps": [
                {"id": "look", "title": "Look", "kind": "command", "command": "readlink current"}
            ],
        },
        {
            "phase": "execution",
            "steps": [
                {"id": "confirm", "title": "Confirm with the bridge", "kind": "manual"},
                {"id": "restore", "title": "Restore previous version", "kind": "strategy"},
                {"id": "verify", "title": "Verify system stability", "kind": "probe"},
            ],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
        },
    ],
}
TRIGGERS = {
    "soak": {"samples": 2, "interval": 0.2},
    "triggers": [
        {
            "name": "app-health",
            "kind": "error-threshold",
            "system": "app",
            "probe": "health",
            "consecutive": 2,
        }
    ],
}
DRILLS = {
    "default": "bad-release",
    "scenarios": [
        {
            "name": "bad-release",
            "description": "Deploy the bad 1.1 on staging; it must be caught and rolled back",
            "systems": ["app"],
            "strategy": "release-rollback",
            "trigger": "error-threshold",
            "rto_minutes": 10,
            "faults": [
                {
                    "name": "deploy the bad release 1.1",
                    "command": f"readlink current > .drill-was && set -- 1.1 && {SWITCH}",
                    "undo": 'set -- "$(basename "$(cat .drill-was)")" && '
                    + SWITCH
                    + " && rm .drill-was",
                    "systems": ["app"],
                }
            ],
            "integrity": {
                "command": 'echo "integrity checksum=$(cksum < data.txt | cut -d" " -f1)'
                ' rows.lines=$(wc -l < data.txt)"',
                "after": "baseline",
            },
        }
    ],
    "schedule": [{"scenario": "bad-release", "cadence": "before-deploy", "valid_hours": 12}],
}
RUN_APP = ("run", "--systems", "app", "--strategy", "release-rollback", "--trigger", "user-impact")
RUN_APP += ("--reason", "bad release", "--yes")


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    return staging_fleet(sshd_server, tmp_path)


def staging_fleet(sshd_server, tmp_path: Path, drills: dict = DRILLS) -> Fleet:
    """Two app hosts on the real sshd, each on the good release 1.0 (1.1 beside it reads
    bad health), with this file's procedure, strategy, trigger and `drills`."""
    files = {
        "strategies.toml": STRATEGIES,
        "procedure.toml": PROCEDURE,
        "triggers.toml": TRIGGERS,
        "drills.toml": drills,
    }
    probes = [
        {"name": "health", "kind": "command", "command": "cat current/health", "interval": 0.2}
    ]
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["release-rollback"], probes=probes
    )
    for sandbox in fleet.sandboxes.values():
        lay_out_releases(sshd_server, sandbox)
    return fleet


def lay_out_releases(sshd_server, sandbox: Path) -> None:
    """The good release 1.0 live, the bad 1.1 beside it, and the data the drill checks."""
    for version, health in (("1.0", "ok"), ("1.1", "bad")):
        (sandbox / "releases" / version).mkdir(parents=True)
        (sandbox / "releases" / version / "health").write_text(health + "\n")
    (sandbox / "current").symlink_to("releases/1.0")
    (sandbox / "data.txt").write_text("order 1\norder 2\norder 3\n")
    chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)


def test_a_staging_drill_injects_its_fault_command_rolls_back_and_undoes_it(fleet):
    gate = fleet.cli("drill", "--gate", "--systems", "app")
    assert gate.returncode == 1, gate.stdout + gate.stderr
    assert "no passing bad-release drill in the last 12 h" in gate.stdout

    result = fleet.cli("drill", "--gate", "--systems", "app", "--run")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "DRILL bad-release: PASSED" in out
    assert "  fault      deploy the bad release 1.1 on app-1, app-2; undone" in out
    assert (
        "  trigger    expected error-threshold · actual error-threshold (fired from its probe) ✔"
        in out
    )
    assert (
        "  recovery   app: " in out
        and "from the injected fault, target 10 min: within target ✔" in out
    )
    for host in HOSTS:
        assert f"  integrity  {host}: match (unchanged, checksum " in out
    assert "gate open: app" in out
    # one place column from the first line to the last: it widened to drill-integrity's
    # two thirds of the way through, every line after that out of line with those before
    places = {len(m[1]) for m in re.finditer(r"^\d\d:\d\d:\d\d  (\S+ +)", out, re.MULTILINE)}
    assert len(places) == 1, places
    # a status-word probe reads as the tables show it, how many hosts read bad (not "0.0"),
    # none: all of them ok (not "0/2 bad")
    samples = [ln for ln in out.splitlines() if " probe app/health = " in ln]
    shown = r"= ([12]/2 bad \(bad|2/2 ok \(healthy)\)"
    assert samples and all(re.search(shown, ln) for ln in samples), samples
    for sandbox in fleet.sandboxes.values():
        assert (sandbox / "current").readlink() == Path("releases/1.0")
        assert not (sandbox / ".drill-was").exists()  # the undo ran, and cleaned up

    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    events = read_journal(journal).events
    kinds = [e.kind for e in events]
    assert kinds.index(Kind.DRILL_FAULT) < kinds.index(Kind.TRIGGER_FIRED)
    assert kinds.index(Kind.TRIGGER_DECLARED) < kinds.index(Kind.STRATEGY_CHOSEN)
    intents = [e for e in events if e.kind == Kind.COMMAND_INTENT and e.where.host == "app-1"]
    assert [(e.where.step, e.data.stage) for e in intents] == [
        ("drill-baseline", "baseline"),
        ("drill-fault-1", "fault"),
        ("look", "run"),
        ("restore", "precheck"),
        ("restore", "action"),
        ("restore", "verify"),
        ("drill-integrity", "after"),
        ("drill-undo-1", "undo"),
    ]
    fired = next(e for e in events if e.kind == Kind.TRIGGER_FIRED)
    assert fired.data.evidence[-1]["hosts"]["app-1"]["value"] == "bad"
    fault_at = next(e for e in events if e.kind == Kind.DRILL_FAULT).data.in_place_at
    measured = next(e for e in events if e.kind == Kind.RECOVERY_MEASURED)
    assert measured.data.started == fault_at  # measured from the fault, first in place

    status = fleet.cli("drill", "--status", "--json")
    assert status.returncode == 0, status.stderr
    [row] = json.loads(status.stdout)["status"]
    assert (row["system"], row["standing"], row["result"]) == ("app", "ok", "passed")
    assert fleet.cli("drill", "--gate", "--systems", "app").returncode == 0


def test_check_config_names_the_line_of_a_bad_scenario(fleet):
    drills = {**DRILLS, "scenarios": [{**DRILLS["scenarios"][0], "strategy": "release-rollbak"}]}
    (fleet.config / "drills.toml").write_text(tomli_w.dumps(drills))
    result = fleet.cli("check-config", str(fleet.config))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {fleet.config / 'drills.toml'}:")
    assert "scenarios[0].strategy: no strategy is named 'release-rollbak'" in line
    assert "(did you mean 'release-rollback'?)" in line


def test_a_fault_undo_that_fails_where_the_fault_got_to_is_reported(fleet):
    """The fault fails on app-2 (the stage cannot be set) after it is in place on app-1,
    and its undo fails on app-1: the report says the fault is NOT undone there, not
    nothing (seen on a real fleet: a broken release left current on one host, the report
    silent about it), and no trigger reads "actual None"."""
    [scenario] = DRILLS["scenarios"]
    [fault] = scenario["faults"]
    fault = {
        **fault,
        "command": "test {{host}} != app-2 && " + fault["command"],
        "undo": "test {{host}} != app-1 && " + fault["undo"],
    }
    drills = {**DRILLS, "scenarios": [{**scenario, "faults": [fault]}]}
    (fleet.config / "drills.toml").write_text(tomli_w.dumps(drills))
    result = fleet.cli("drill")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert (
        "  fault      deploy the bad release 1.1 on app-1, app-2, in place on app-1 only;"
        " NOT undone: undo failed on app-1 (exit status 1)" in out
    ), out
    assert (
        "  ✘ fault deploy the bad release 1.1 was not undone: undo failed on app-1 (exit status 1)"
        in out
    )
    assert "  trigger    expected error-threshold · actual – (none declared) ✘" in out
    # what a cron mail's reader runs there: the fault's undo, where drills.toml has it (a
    # `{{host}}` in it, and cut at 100 characters, it would not work pasted: helper-154)
    assert (
        "; to undo it by hand there: the undo of fault “deploy the bad release 1.1” of"
        " scenario bad-release in drills.toml, its {{...}} filled in for the host" in out
    ), out
    assert (fleet.sandboxes["app-1"] / "current").readlink() == Path("releases/1.1")
    # its lock is kept (walked: 'outcome unknown on  at the close', no host named)
    kept = "  ✘ a fault is NOT undone on app-1: the lock on app stays held. Undo it there first"
    assert kept in out, out
    # and `list` says it stays (walked: 'DRILL FAILED; rolled back and verified', alone)
    listed = fleet.cli("list").stdout
    assert "\n  fault NOT undone: deploy the bad release 1.1: undo failed on app-1" in listed
    # its close kept app's lock: the next drill is refused, saying which fault on which
    # host and how to let go (walked: it ran unwarned, the fault still on web-2)
    again = fleet.cli("drill")
    assert again.returncode == 3, again.stdout + again.stderr
    said = "was closed with a fault NOT undone on app-1: deploy the bad release 1.1: undo"
    assert said in again.stderr, again.stderr
    release = "then release the lock with a command that shows it undone: rollback-console"
    release += " exec --take-over-lock REASON --systems app --hosts app-1 --config"
    assert release in again.stderr, again.stderr
    undo = ("exec", "--take-over-lock", "undone by hand", "--systems", "app", "--hosts", "app-1")
    assert fleet.cli(*undo, "ln -sfn releases/1.0 current").returncode == 0
    assert (fleet.sandboxes["app-1"] / "current").readlink() == Path("releases/1.0")
    assert "locked" not in fleet.cli("drill", "--dry-run").stderr


async def test_the_consoles_report_says_the_lock_its_fault_keeps_and_what_releases_it(fleet):
    """Walked at 80x24: a drill in the console whose fault's undo failed on app-1 closed
    keeping app's lock; its report said `NOT undone` alone, nothing of the lock nor of what
    lets go of it (an exec taking it over, refused while this console holds it). A whole
    drill in the console, to its report: ~17 s at a load of 40."""
    [scenario] = DRILLS["scenarios"]
    [fault] = scenario["faults"]
    fault = {  # in place on app-1 alone, where its undo fails
        **fault,
        "command": "test {{host}} != app-2 && " + fault["command"],
        "undo": "test {{host}} != app-1 && " + fault["undo"],
    }
    drills = {**DRILLS, "scenarios": [{**scenario, "faults": [fault]}]}
    (fleet.config / "drills.toml").write_text(tomli_w.dumps(drills))
    engine, app = fleet_app(fleet)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await start_drill(pilot)
            await until(pilot, lambda: isinstance(app.screen, DrillReport), timeout=120)
            last = app.screen.query("#drill-report-lines .dialog-text").last(Static)
            said = " ".join(str(last.render()).split())
    finally:
        await engine.close()
    assert said == (
        "✘ The lock on app is kept: a drill's fault is NOT undone on app-1. Undo it there;"
        " once this console has quit, a command that shows it undone releases the lock:"
        " rollback-console exec --take-over-lock REASON --systems app --hosts app-1 'COMMAND'."
    ), said


def test_a_fault_that_fails_on_a_host_says_why_in_the_verdict(fleet):
    """Seen on a real fleet: a fault that could not be set on one host ended the drill with
    "✘ fault F was not injected everywhere: failed on app-2" and nothing more; why (the
    host's exit status and its stderr) was only in the scrolled log, and `--quiet` showed
    none of it. The finding (and the close) now say it."""
    [scenario] = DRILLS["scenarios"]
    [fault] = scenario["faults"]
    refuse = "test {{host}} != app-2 || { echo 'cannot write there' >&2; exit 3; }; "
    fault = {**fault, "command": refuse + fault["command"]}
    drills = {**DRILLS, "scenarios": [{**scenario, "faults": [fault]}]}
    (fleet.config / "drills.toml").write_text(tomli_w.dumps(drills))
    result = fleet.cli("drill", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    why = "was not injected everywhere: failed on app-2 (exit status 3: cannot write there)"
    assert f"  ✘ fault {fault['name']} {why}" in result.stdout, result.stdout
    # its line said 'on app-1, app-2; undone' as if it had been set on both (helper-153)
    said = f"  fault      {fault['name']} on app-1, app-2, in place on app-1 only; "
    assert said in result.stdout, result.stdout


def test_each_fault_of_a_drill_is_injected_and_undone_by_steps_of_its_own(fleet):
    """Two command faults: each is its own step and its undo another, named for it, in
    the journal and the document (they shared drill-fault and drill-undo: the second
    fault read as the first's "2 attempts", its own title lost)."""
    [scenario] = DRILLS["scenarios"]
    marker = {"name": "leave a marker", "command": "touch .marker", "undo": "rm .marker"}
    marker |= {"systems": ["app"]}
    drills = {**DRILLS, "scenarios": [{**scenario, "faults": [*scenario["faults"], marker]}]}
    (fleet.config / "drills.toml").write_text(tomli_w.dumps(drills))
    result = fleet.cli("drill")
    assert result.returncode == 0, result.stdout + result.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    events = read_journal(journal).events
    started = [
        (e.where.step, e.data.title, e.data.attempt)
        for e in events
        if e.kind == Kind.STEP_STARTED and e.where.step.startswith(("drill-fault", "drill-undo"))
    ]
    assert started == [
        ("drill-fault-1", "Drill: inject fault deploy the bad release 1.1", 1),
        ("drill-fault-2", "Drill: inject fault leave a marker", 1),
        ("drill-undo-2", "Drill: undo fault leave a marker", 1),
        ("drill-undo-1", "Drill: undo fault deploy the bad release 1.1", 1),
    ]
    for sandbox in fleet.sandboxes.values():
        assert not (sandbox / ".marker").exists()
    document = fleet.cli("export", str(journal), "--format", "markdown").stdout
    resolution = document.split("## Resolution steps")[1].split("\n## ")[0]
    for title in (t for _, t, _ in started):
        assert f"**{title}** — done: 2 succeeded\n" in resolution, resolution
    assert "attempts" not in resolution


def with_execution_step(fleet: Fleet, step: dict) -> None:
    """The fleet's procedure with `step` at the end of its execution phase."""
    phases = [dict(p) for p in PROCEDURE["phases"]]
    phases[1] = {**phases[1], "steps": [*phases[1]["steps"], step]}
    (fleet.config / "procedure.toml").write_text(tomli_w.dumps({**PROCEDURE, "phases": phases}))


def fleet_app(fleet: Fleet, *, sample_probes: bool = False) -> tuple[Engine, RollbackApp]:
    """The console on the fleet's configuration, journals and locks (the commands'), its
    engine beside it to close."""
    settings = load_settings(fleet.config)
    engine = Engine(
        settings,
        fleet.state / "incidents",
        clock=FixedClock(START),
        lock_dir=fleet.state / "locks",
        threaded_io=True,
    )
    root = fleet.state / "incidents"
    return engine, build_app(settings, root, engine, sample_probes=sample_probes)


async def start_drill(pilot) -> None:
    """From the home screen: d, then Enter on the default scenario, and y."""
    await pilot.press("d")
    await until(pilot, lambda: isinstance(pilot.app.screen, DrillsScreen))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
    await pilot.press("y")  # what it sends, confirmed


def test_a_drills_status_update_says_it_is_a_drill(fleet, tmp_path):
    """A notify step's own command, run during the drill, gets a message and a summary
    labelled [DRILL] (seen on a real fleet: the status update mailed during a drill read
    as a real error-threshold incident); a real incident's are not labelled."""
    sent = tmp_path / "sent"
    tell = {
        "id": "tell",
        "title": "Communicate status",
        "kind": "notify",
        "command": f"echo {{{{message}}}} >> {sent}; echo {{{{summary}}}} >> {sent}",
    }
    with_execution_step(fleet, tell)

    result = fleet.cli("drill")
    assert result.returncode == 0, result.stdout + result.stderr
    message, summary, closed, _ = sent.read_text().splitlines()  # then the close's update
    assert "[DRILL]" in message and message.count("[DRILL]") == 1, message
    assert closed.startswith("[DRILL] ") and " closed: " in closed, closed
    assert summary.startswith("[DRILL] Critical error threshold exceeded: app/health = 2"), summary
    assert "; app by release-rollback: 2 hosts succeeded; stable (2/2 healthy rounds)" in summary

    sent.unlink()
    real = fleet.cli(
        "run", "--systems", "app", "--strategy", "release-rollback", "--trigger",
        "user-impact", "--reason", "a real one", "--yes",
    )  # fmt: skip
    assert real.returncode == 0, real.stdout + real.stderr
    assert "DRILL" not in sent.read_text()


async def test_every_drill_command_is_sent_by_a_step_the_console_counts_as_running(
    fleet, monkeypatch
):
    """The stage's own steps (baseline, fault, integrity after, undo) run like any step:
    the console counts them running, so it shows them running (not "? unknown", seen at
    80x24 on a real fleet), asks before quitting and can abort them."""
    settings = load_settings(fleet.config)
    sent: list[tuple[str | None, bool]] = []
    build = Engine.build

    def watching(*args, **kwargs) -> Engine:
        engine = build(*args, **kwargs)
        incident = engine.incident

        def watched(*a, **k):
            conductor = incident(*a, **k)

            def see(event) -> None:
                if event.kind == Kind.COMMAND_INTENT:
                    sent.append((event.where.step, event.where.step in conductor.running))

            conductor.recorder.subscribe(see)
            return conductor

        engine.incident = watched  # type: ignore[method-assign]
        return engine

    monkeypatch.setattr(Engine, "build", watching)
    options = DrillOptions(quiet=True, journal=str(fleet.state / "drill"))
    verdict = await drill_once(settings, settings.drills.scenario("bad-release"), options)
    assert verdict["passed"], verdict
    steps = {step for step, _ in sent}
    assert {"drill-baseline", "drill-fault-1", "drill-integrity", "drill-undo-1"} <= steps
    assert [s for s, running in sent if not running] == []


def test_every_host_rolled_back_but_never_stable_is_unverified_not_partial(fleet):
    """The good release is unhealthy too: the rollback reaches every host, the stability
    check fails. The drill said 'partially rolled back' and closed the incident 'failed:
    partially rolled back' (seen on a real fleet); it is 'rolled back, not verified', and a
    scenario may expect that."""
    [scenario] = DRILLS["scenarios"]
    unverified = {
        **scenario,
        "trigger": "user-impact",
        "reason": "drill: the stability check must catch an unhealthy release",
        "expect": "unverified",
    }
    (fleet.config / "drills.toml").write_text(tomli_w.dumps({**DRILLS, "scenarios": [unverified]}))
    [strategy] = STRATEGIES["strategies"]
    lenient = {**strategy, "commands": {**strategy["commands"], "verify": "test -e current/health"}}
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps({"strategies": [lenient]}))
    for sandbox in fleet.sandboxes.values():
        (sandbox / "releases" / "1.0" / "health").write_text("bad\n")
    result = fleet.cli("drill")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "DRILL bad-release: PASSED" in out
    expected = "rolled back, not verified"
    assert f"  outcome    expected {expected} · actual {expected} ✔" in out, out
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    closed = read_journal(journal).events[-1]
    assert closed.kind == Kind.INCIDENT_CLOSED and closed.data.outcome == "unverified"
    assert "“Verify system stability” failed (" in closed.data.reason


def test_a_drill_whose_rollback_fails_closes_naming_the_step_that_did(fleet):
    """Seen in the console on a real PostgreSQL: a drill whose restore failed closed its
    incident 'failed: failed'; a failed run names the step and its hosts."""
    [scenario] = DRILLS["scenarios"]
    failing = {**scenario, "trigger": "user-impact", "reason": "monthly drill", "expect": "failed"}
    (fleet.config / "drills.toml").write_text(tomli_w.dumps({**DRILLS, "scenarios": [failing]}))
    [strategy] = STRATEGIES["strategies"]
    broken = {**strategy, "commands": {**strategy["commands"], "verify": "exit 1"}}
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps({"strategies": [broken]}))
    result = fleet.cli("drill")
    assert "DRILL bad-release: PASSED" in result.stdout, result.stdout + result.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    closed = read_journal(journal).events[-1]
    assert closed.kind == Kind.INCIDENT_CLOSED and closed.data.outcome == "failed"
    assert closed.data.label == "failed: “Restore previous version” failed (2 failed)"


def test_a_host_the_rollback_failed_on_reads_failed_after_the_drills_check_and_undo(fleet):
    """Seen on a real fleet: a drill whose rollback failed on one host ran its integrity
    check after and its fault's undo there too, which succeeded; the document then said
    every host succeeded (its last step: the undo), as did `--json` and the summary, while
    the incident closed 'not rolled back' on that host. The drill's stage is not the
    host's rollback."""
    [scenario] = DRILLS["scenarios"]
    partial = {**scenario, "trigger": "user-impact", "reason": "monthly drill", "expect": "partial"}
    (fleet.config / "drills.toml").write_text(tomli_w.dumps({**DRILLS, "scenarios": [partial]}))
    [strategy] = STRATEGIES["strategies"]
    verify = strategy["commands"]["verify"] + " && test ! -e stuck"
    stuck = {**strategy, "commands": {**strategy["commands"], "verify": verify}}
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps({"strategies": [stuck]}))
    (fleet.sandboxes["app-2"] / "stuck").write_text("")
    result = fleet.cli("drill", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    [drill] = json.loads(result.stdout)["drills"]
    assert drill["passed"] and drill["hosts"]["app-2"]["status"] == "failed", drill
    assert (drill["hosts"]["app-1"]["status"], drill["hosts"]["app-1"]["step"]) == (
        "succeeded",
        "restore",
    )
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    steps = [e.where.step for e in read_journal(journal).events if e.where.host == "app-2"]
    assert steps[-1] == "drill-undo-1"  # the undo did run there last, and succeeded
    document = fleet.cli("export", str(journal), "--format", "markdown").stdout
    assert "| app-1 | ✔ succeeded | – | Restore previous version |" in document
    assert "| app-2 | ✘ failed | non-zero exit: exit status 1 | Restore previous version |" in (
        document
    )
    assert "strategy ran on 2 hosts (1 failed, 1 succeeded)" in document
    facts = json.loads(fleet.cli("export", str(journal), "--format", "json").stdout)
    hosts = {h["host"]: h for s in facts["document"]["systems"] for h in s["hosts"]}
    assert (hosts["app-2"]["status"], hosts["app-2"]["last_step"]) == ("failed", "restore")


async def test_f3_shows_the_status_update_a_drill_waits_on_not_the_step_before(fleet, tmp_path):
    """Seen in a drill in the console at 80x24: while "Communicate status" waited on its
    channel, the execution screen (F3) showed "Verify system stability", the step before,
    as if it were what ran. It shows the status update being sent, and says that no host
    runs it: what each channel answered so far, and how to stop waiting."""
    go = tmp_path / "GO"
    waits = f"i=0; while [ ! -e {go} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"
    tell = {"id": "tell", "title": "Communicate status", "kind": "notify", "command": waits}
    with_execution_step(fleet, tell)
    settings = load_settings(fleet.config)
    root = tmp_path / "incidents"
    engine = Engine(settings, root, lock_dir=tmp_path / "locks", threaded_io=True)
    app = build_app(settings, root, engine)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await start_drill(pilot)
            await until(pilot, lambda: app.conductor is not None)
            await until(pilot, lambda: "tell" in app.conductor.running, timeout=120)
            await pilot.press("f3")
            await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
            # Said at the screen's next sync (a sending update's, each second): wait for it.
            await until_shown(pilot, "#exec-counts", "… command: no answer yet (attempt 1)")
            screen = app.screen
            title = str(screen.query_one("#exec-title").render())
            counts = str(screen.query_one("#exec-counts", Static).render())
            go.touch()
            await until(pilot, lambda: isinstance(app.screen, DrillReport), timeout=120)
    finally:
        await engine.close()
    assert "Communicate status" in title, (title, counts)
    assert "Verify system stability" not in title
    assert counts.startswith("No host runs a status update: the console sends it."), counts
    assert "… command: no answer yet (attempt 1)" in counts, counts
    assert "a stops waiting (no answer yet: not delivered)" in counts, counts
