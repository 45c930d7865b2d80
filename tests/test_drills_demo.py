"""Drill scenarios on the demo fleet, run as a user runs them: one per demo injection
kind, each asserting the outcome it expects; the default scenario; a two-system DR
exercise; recovery time that passes and one that fails; an integrity mismatch found."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from console.headless.drills import DrillOptions, run_drills
from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.drill_settings import DrillSettings
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.payloads import CommandIntent
from console.model.settings import Settings
from console.model.state import StepStatus, fold
from console.paths import demo_config


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path))
    return tmp_path


@pytest.fixture(autouse=True)
def _slow_briefly(monkeypatch) -> None:
    """The demo's slow host answers 0.5 s late here, not 3 s: its drills end as they do
    (within the 5-minute target; past a 0.6 s one), 7.5 s sooner each (three commands)."""
    from console.demo import fleet

    monkeypatch.setattr(fleet, "SLOW_SECONDS", 0.5)


def drill(capsys, *args: str) -> tuple[int, dict]:
    """`drill --demo ARGS --json`: the exit status and the one drill's verdict."""
    code = main(["drill", "--demo", *args, "--json"])
    document = json.loads(capsys.readouterr().out)
    assert document["exit_status"] == code
    [verdict] = document["drills"]
    return code, verdict


def events_of(verdict: dict):
    return read_journal(Path(verdict["journal"])).events


def host_runs(verdict: dict, step: str = "restore") -> dict:
    return fold(events_of(verdict)).step(step).hosts


# One scenario per demo injection kind: (scenario, the outcome it expects).
KINDS = {
    "unreachable": ("web-unreachable", "partial"),
    "hang": ("web-hang", "partial"),
    "drop": ("web-drop", "partial"),
    "fail": ("web-fail", "refused"),
    "corrupt-backup": ("db-backup-corrupt", "refused"),
    "slow": ("web-slow", "verified"),
    "corrupt-data": ("db-corrupt-data", "verified"),
    "breach": ("api-breach", "verified"),
    "refuse-auth": ("web-refuse-auth", "partial"),
    "wrong-hostkey": ("web-wrong-hostkey", "partial"),
}


def test_every_injection_kind_has_its_scenario():
    """The README promises "a scenario per injection kind (drill --demo --list)"; walked
    as a user, refuse-auth and wrong-hostkey had none (the demo's drills.toml is the only
    place an `inject` is allowed, so a user could not add one)."""
    from console.demo.faults import FaultKind

    assert set(KINDS) == {k.value for k in FaultKind}
    scenarios = {s.name: s for s in load_settings(demo_config()).drills.scenarios}
    for kind, (name, _) in KINDS.items():
        assert any(f.inject and f.inject.startswith(f"{kind}:") for f in scenarios[name].faults)


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_injection_kind_has_a_scenario_that_gets_its_expected_outcome(kind, capsys):
    scenario, expected = KINDS[kind]
    code, verdict = drill(capsys, "--scenario", scenario)
    assert (code, verdict["passed"], verdict["findings"]) == (0, True, [])
    assert verdict["outcome"] == verdict["expected"] == expected
    for fault in verdict["faults"]:
        assert fault["name"].startswith(f"{kind}:")
        assert fault["undone"] == {"ok": True, "detail": ""}
    events = events_of(verdict)
    assert events[0].kind == Kind.INCIDENT_OPENED and events[0].data.drill is True
    injected = next(e for e in events if e.kind == Kind.DRILL_FAULT)
    declared = next(e for e in events if e.kind == Kind.TRIGGER_DECLARED)
    assert injected.seq < declared.seq  # the stage is set before the trigger
    CHECKS[kind](verdict, events)


def _one_host_failed(host: str, failure: str):
    """The check of a scenario whose fault stops one web host: it failed so, the others
    rolled back."""

    def check(verdict, events):
        runs = host_runs(verdict)
        assert runs[host].failure.value == failure
        others = {r.status.value for h, r in runs.items() if h != host}
        assert others == {"succeeded"} and len(runs) == 3, runs

    return check


def _hang(verdict, events):
    runs = host_runs(verdict)
    assert runs["web-3"].failure.value == "timeout" and runs["web-3"].stage == "precheck"


def _drop(verdict, events):
    assert host_runs(verdict)["web-2"].failure.value == "connection lost mid-command"


def _fail(verdict, events):
    """Crossed once every host had started (one wave), the threshold halts nothing: no
    `run.halted` (it read 'halted by the failure threshold'), the failures said. A loaded
    machine may dial web-3 after web-1 and web-2 have failed: then the threshold rightly
    holds it back, and the halt says so (read from the journal, not the race's usual way)."""
    held = [e.where.host for e in events if e.kind == Kind.HOST_NOT_STARTED]
    halted = [e for e in events if e.kind == Kind.RUN_HALTED]
    assert (halted != []) == (held == ["web-3"]), (halted, held)
    runs = host_runs(verdict)
    assert {h: r.status.value for h, r in runs.items() if h != "web-3"} == {
        "web-1": "failed",
        "web-2": "failed",
    }
    assert held or runs["web-3"].status.value == "succeeded"


def _corrupt_backup(verdict, events):
    runs = host_runs(verdict)
    assert runs["db-1"].stage == "precheck" and runs["db-1"].failure.value == "non-zero exit"
    assert not any(
        e.where.host == "db-1" and isinstance(e.data, CommandIntent) and e.data.stage == "action"
        for e in events
    )
    # db-1 was left exactly as it was: the integrity check after matches the baseline.
    assert verdict["integrity"]["hosts"]["db-1"]["after"]["verdict"] == "match"
    # The close says which step refused, and how, not only "refused by a precheck".
    [closed] = [e for e in events if e.kind == Kind.INCIDENT_CLOSED]
    assert (
        closed.data.reason
        == "“Restore previous version”: its precheck said no on db-1 (1 failed, 1 succeeded)"
    )


def _slow(verdict, events):
    recovery = verdict["recovery"]["web"]
    assert recovery["ok"] and recovery["target_minutes"] == 5 and recovery["from"] == "fault"
    assert recovery["verdict"] == "within target"


def _corrupt_data(verdict, events):
    assert verdict["trigger"] == {
        "expected": "data-corruption",
        "actual": "data-corruption",
        "detected": True,
        "ok": True,
    }
    fired = next(e for e in events if e.kind == Kind.TRIGGER_FIRED)
    assert fired.data.trigger == "db-rows" and fired.data.probe == "db/row-drift"
    hosts = verdict["integrity"]["hosts"]
    assert hosts["db-1"]["baseline"]["rows"]["orders"] == 15  # before the rows vanished
    assert {h["after"]["verdict"] for h in hosts.values()} == {"match"}  # the log's state


def _breach(verdict, events):
    assert verdict["trigger"]["actual"] == "security-breach" and verdict["trigger"]["detected"]
    declared = next(e for e in events if e.kind == Kind.TRIGGER_DECLARED)
    assert declared.data.kind == "security-breach"
    probes = {s["probe"] for s in declared.data.evidence}
    # the auth log is read before the fault (a log probe counts from its first reading), so
    # the breach fires in as few rounds as it needs: the error rate, 3 in a row, may not
    # have fired yet; when it has, it is the evidence of the one taken
    assert "api/auth-failures" in probes and probes <= {"api/auth-failures", "api/error-rate"}
    also = "also firing: Critical error threshold exceeded (api-errors)" in declared.data.reason
    assert also == ("api/error-rate" in probes)


CHECKS = {
    "unreachable": _one_host_failed("web-2", "unreachable"),
    "hang": _hang,
    "drop": _drop,
    "fail": _fail,
    "corrupt-backup": _corrupt_backup,
    "slow": _slow,
    "corrupt-data": _corrupt_data,
    "breach": _breach,
    "refuse-auth": _one_host_failed("web-1", "authentication failed"),
    "wrong-hostkey": _one_host_failed("web-3", "host key mismatch"),
}


def test_drill_without_a_scenario_runs_the_demos_default(capsys):
    code = main(["drill", "--demo"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("DRILL web-release: not a production incident")
    assert "DRILL web-release: PASSED" in out
    assert (
        "  outcome    expected rolled back and verified · actual rolled back and verified ✔" in out
    )
    for host in ("web-1", "web-2", "web-3"):
        assert f"  integrity  {host}: match (unchanged, checksum " in out


def test_a_dr_exercise_recovers_two_systems_with_one_recovery_time_each(capsys):
    code, verdict = drill(capsys, "--scenario", "dr-exercise")
    assert code == 0 and verdict["passed"], verdict["findings"]
    events = events_of(verdict)
    chosen = [e.data.dump() for e in events if e.kind == Kind.STRATEGY_CHOSEN]
    assert [(c["strategy"], c.get("systems")) for c in chosen] == [
        ("version-rollback", ["web"]),
        ("point-in-time", ["db"]),
    ]
    assert chosen[1]["params"] == {"until": "2025-05-16T10:30:00Z"}
    measured = {e.where.system: e.data.dump() for e in events if e.kind == Kind.RECOVERY_MEASURED}
    assert set(measured) == {"web", "db"}
    assert measured["web"]["verified"] < measured["db"]["verified"]  # each its own time
    assert measured["web"]["rto_minutes"] == 15 and measured["db"]["rto_minutes"] == 30
    restore = fold(events).step("restore").hosts
    assert {h: r.attempt for h, r in restore.items()} == dict.fromkeys(
        ["web-1", "web-2", "web-3", "db-1", "db-2"], 1
    )
    assert set(verdict["recovery"]) == {"web", "db"}


def with_scenarios(*scenarios: dict) -> Settings:
    settings = load_settings(demo_config())
    drills = DrillSettings.validated({"scenarios": list(scenarios)})
    return settings.replace(drills=drills)


def run_custom(settings: Settings, name: str, capsys) -> tuple[int, dict]:
    code = asyncio.run(run_drills(settings, [name], DrillOptions(demo=True, json=True, quiet=True)))
    [verdict] = json.loads(capsys.readouterr().out)["drills"]
    return code, verdict


def test_recovery_time_beyond_the_target_fails_the_drill(capsys):
    settings = with_scenarios(
        {
            "name": "too-slow",
            "systems": ["web"],
            "strategy": "version-rollback",
            "scope": "strategy",
            "trigger": "user-impact",
            "reason": "recovery-time drill",
            "rto_minutes": 0.01,  # 0.6 s: three slow commands alone take 1.5 s
            "faults": [{"inject": "slow:web-1"}],
        }
    )
    code, verdict = run_custom(settings, "too-slow", capsys)
    assert code == 1 and not verdict["passed"]
    assert verdict["outcome"] == "verified"  # the rollback worked, but too slowly
    recovery = verdict["recovery"]["web"]
    assert recovery["verdict"] == "target exceeded" and recovery["seconds"] > 0.6
    assert verdict["findings"] == ["recovery of web: target exceeded"]


# A bad job on web-1: an order deleted behind the application's back, kept for the undo.
LOSE_ORDER = (
    'cp data/app.db data/app.db.before-drill && python3 -c "import sqlite3;'
    " c = sqlite3.connect('data/app.db'); c.execute('DELETE FROM orders WHERE id = 1');"
    ' c.commit()"'
)


def test_an_integrity_mismatch_against_the_baseline_is_detected(capsys, state_dir):
    settings = with_scenarios(
        {
            "name": "lost-order",
            "systems": ["web"],
            "strategy": "version-rollback",
            "scope": "strategy",
            "trigger": "user-impact",
            "reason": "a release rollback must leave the data as it was",
            "faults": [
                {
                    "name": "lose an order on web-1",
                    "command": LOSE_ORDER,
                    "undo": "mv data/app.db.before-drill data/app.db",
                    "hosts": ["web-1"],
                }
            ],
            "integrity": {"command": "python3 bin/db integrity", "after": "baseline"},
        }
    )
    code, verdict = run_custom(settings, "lost-order", capsys)
    assert code == 1 and not verdict["passed"] and verdict["outcome"] == "verified"
    hosts = verdict["integrity"]["hosts"]
    assert hosts["web-1"]["after"]["verdict"] == "mismatch"
    assert hosts["web-1"]["baseline"]["rows"]["orders"] == 18
    assert hosts["web-1"]["after"]["rows"]["orders"] == 17
    assert {hosts[h]["after"]["verdict"] for h in ("web-2", "web-3")} == {"match"}
    [finding] = verdict["findings"]
    assert finding.startswith("integrity on web-1 (drill-integrity): mismatch: checksum ")
    assert finding.endswith("rows.orders 17 != expected 18")
    events = events_of(verdict)
    faults = [e for e in events if e.kind in (Kind.DRILL_FAULT, Kind.DRILL_FAULT_UNDONE)]
    assert [(e.kind, e.data.hosts) for e in faults] == [
        (Kind.DRILL_FAULT, ["web-1"]),
        (Kind.DRILL_FAULT_UNDONE, ["web-1"]),
    ]
    assert faults[1].data.ok is True
    intents = [e for e in events if e.kind == Kind.COMMAND_INTENT and e.where.host == "web-1"]
    stages = [(e.where.step, e.data.stage) for e in intents]
    assert stages[:2] == [("drill-baseline", "baseline"), ("drill-fault-1", "fault")]
    assert stages[-2:] == [("drill-integrity", "after"), ("drill-undo-1", "undo")]


def test_a_scenario_is_refused_with_one_line_when_it_cannot_run(capsys, tmp_path):
    assert main(["drill", "--demo", "--scenario", "nope"]) == 2
    assert (
        "--scenario: no scenario 'nope' (known: web-release, api-breach" in capsys.readouterr().err
    )
    assert main(["drill", "--demo", "--scenario", "api-breach", "--inject", "fail:api-1"]) == 2
    assert "--inject: a scenario's faults, trigger, strategy and params are in drills.toml;" in (
        capsys.readouterr().err
    )
    # walked: its `params` were not named, as if a scenario took none
    assert main(["drill", "--demo", "--scenario", "web-release", "--param", "target=14.1"]) == 2
    assert (
        "--param: a scenario's faults, trigger, strategy and params are in drills.toml (its"
        ' [[scenarios]] `params = { target = "1.0" }`); add --strategy for an ad-hoc drill'
        in capsys.readouterr().err
    )
    assert main(["drill", "--demo", "--strategy", "version-rollback"]) == 2
    assert "needs --systems and --trigger" in capsys.readouterr().err
    assert not (tmp_path / "demo-incidents").exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--format", "markdown"], "--format goes with --status"),
        (["--due", "--format", "json"], "--format goes with --status"),
        (["--commander", "alice"], "--commander: a scenario's faults"),
        (["--scenario", "web-release", "--reason", "game day"], "--reason: a scenario's"),
        (["--outcome", "aborted:x", "--form", "severity=SEV2"], "--form, --outcome: a scen"),
        (["--scenario="], "--scenario: empty; name one"),  # "$SCENARIO" unset: not the default
    ],
)
def test_an_option_a_scenario_drill_does_not_take_is_refused_before_any_drill(
    args, said, capsys, tmp_path
):
    """`drill --format markdown` (meant: --status) or `--scenario "$UNSET"` ran the
    default scenario on the hosts, and a scenario drill recorded another commander than
    --commander named: each is one line, exit 2, and no drill."""
    assert main(["drill", "--demo", *args]) == 2
    captured = capsys.readouterr()
    assert said in captured.err and len(captured.err.splitlines()) == 1
    assert "DRILL" not in captured.out
    assert not (tmp_path / "demo-incidents").exists()


def judged_drill(root: Path, name: str, scenario: str, systems: list[str]) -> None:
    """A passing drill of `scenario` an hour ago, as its journal records it."""
    from datetime import timedelta

    from console.journal.recorder import Recorder
    from console.model.clock import FixedClock, SystemClock
    from tests.events_factory import COMMANDER

    clock = FixedClock(SystemClock().now() - timedelta(hours=1))
    recorder = Recorder.open(root / name, clock, COMMANDER)
    recorder.record(Kind.INCIDENT_OPENED, incident_id=name, title=scenario, drill=True)
    recorder.record(
        Kind.DRILL_JUDGED,
        scenario=scenario,
        systems=systems,
        passed=True,
        expected="verified",
        outcome="verified",
    )
    recorder.close()


def test_due_runs_only_the_scenarios_that_are_due(capsys, state_dir):
    root = state_dir / "demo-incidents"
    judged_drill(root, "d-web", "web-release", ["web"])
    judged_drill(root, "d-db", "db-corrupt-data", ["db"])
    judged_drill(root, "d-dr", "dr-exercise", ["web", "db"])
    assert main(["drill", "--demo", "--status"]) == 1  # api's every-30d: never drilled
    status = capsys.readouterr().out
    (api,) = [row for row in status.splitlines() if row.startswith("api ")]
    assert "every 30d" in api and api.endswith("OVERDUE")
    assert main(["drill", "--demo", "--due", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("due: api-breach\n") and "DRILL api-breach: PASSED" in out
    assert "DRILL web-release" not in out
    assert main(["drill", "--demo", "--status"]) == 0  # nothing is OVERDUE any more
    assert main(["drill", "--demo", "--due"]) == 0
    assert capsys.readouterr().out.endswith("no drill is due\n")


def test_list_names_every_scenario_with_its_cadences(capsys):
    assert main(["drill", "--demo", "--list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("web-release (default): The bad storefront release is detected")
    assert "  schedule     monthly, before-deploy (24 h)" in out
    assert "  faults       fail:web-1, fail:web-2" in out
    assert "dr-exercise: Annual DR" in out
    assert "  rolls back   version-rollback on web; point-in-time on db (procedure)" in out
    # a scenario with no target of its own is judged against each system's RTO: said so
    # (walked, helper-153: --list said nothing of the target db-restore is judged against)
    assert "  target       web 15 min, db 30 min (the systems' RTO)" in out, out


async def test_an_abort_during_a_drill_closes_it_aborted_with_its_faults_undone(tmp_path):
    """`a` during the drill's verification (seen from the console on a real fleet: the
    abort was journalled, the soak went on and the drill PASSED; once the soak stopped,
    the drill closed "failed: partially rolled back", its reason nowhere)."""
    from console.demo.fleet import DemoFleet
    from console.engine.drill import drill_settings, run_scenario, title_of
    from console.engine.session import Engine
    from console.model.outcome import Outcome

    async with DemoFleet(load_settings(demo_config())) as fleet:
        scenario = fleet.settings.drills.scenario("web-slow")
        engine = Engine(fleet.settings, tmp_path / "incidents")
        try:
            conductor = engine.new_incident(title_of(scenario), drill=True)
            conductor.settings = drill_settings(fleet.settings, scenario)
            running = asyncio.create_task(run_scenario(conductor, scenario, fleet))
            for _ in range(600):  # bounded: the soak's first round comes within a minute
                if any(e.kind == Kind.SOAK_PROGRESS for e in conductor.recorder.events):
                    break
                await asyncio.sleep(0.1)
            await conductor.abort("the bridge calls it off")
            verdict = await asyncio.wait_for(running, 120)
            conductor.recorder.close()
        finally:
            await engine.close()
    assert not verdict["passed"]
    assert verdict["findings"][0] == "aborted: the bridge calls it off"
    state = conductor.state
    assert state.outcome == Outcome.ABORTED, state.outcome_label
    assert [f["undone"]["ok"] for f in state.faults] == [True]
    assert fleet.faults == []


def test_a_drill_step_whose_connection_dropped_reads_unknown_not_failed(capsys):
    """web-2 drops its connection (a demo fault, an in-process asyncssh server) while the
    command fault and its undo run there: both steps read `? unknown` ('1 succeeded, 1
    unknown'), as any step does, and the drill says the outcome is unknown there, not
    that the fault failed (it read '✘ failed', 'failed on web-2')."""
    settings = with_scenarios(
        {
            "name": "dropped",
            "systems": ["web"],
            "strategy": "version-rollback",
            "scope": "strategy",
            "trigger": "user-impact",
            "reason": "a connection lost in the drill's set-up",
            "faults": [
                {"inject": "drop:web-2"},
                {
                    "name": "mark",
                    "command": "echo marked",
                    "undo": "echo unmarked",
                    "hosts": ["web-1", "web-2"],
                },
            ],
        }
    )
    code, verdict = run_custom(settings, "dropped", capsys)
    assert code == 1 and not verdict["passed"]
    state = fold(events_of(verdict))
    for step in ("drill-fault-1", "drill-undo-1"):
        st = state.step(step)
        assert (st.status, st.summary) == (StepStatus.UNKNOWN, "1 succeeded, 1 unknown")
    assert (
        verdict["findings"][0] == "fault mark was not injected everywhere: outcome unknown on web-2"
        " (connection lost mid-command)"
    )
    assert (
        "fault mark was not undone: undo outcome unknown on web-2 (connection lost mid-command);"
        " to undo it by hand there: " in " ".join(verdict["findings"])
    )
    document = main(["export", verdict["journal"], "--format", "markdown"])
    assert document == 0
    text = capsys.readouterr().out
    assert "**Drill: inject fault mark** — unknown: 1 succeeded, 1 unknown\n" in text


def _demo_drill(scenario: str) -> subprocess.CompletedProcess[str]:
    """`drill --demo --scenario SCENARIO` in a process of its own, which passed (exit 0)."""
    done = subprocess.run(
        [sys.executable, "-m", "console", "drill", "--demo", "--scenario", scenario],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_the_report_names_each_fault_and_its_host_once() -> None:
    """The demo's fault `fail:web-1` read 'fault      fail:web-1 on web-1'; a fault named
    for its host on your own fleet, 'slow restart on web-3 on web-3'."""
    done = _demo_drill("web-fail")
    faults = [line for line in done.stdout.splitlines() if line.startswith("  fault ")]
    assert faults == ["  fault      fail on web-1; undone", "  fault      fail on web-2; undone"]


def test_a_match_against_the_strategy_names_what_it_matched() -> None:
    """db-corrupt-data judges the data after against what the replay expected, not the
    baseline taken before the fault. Its report read 'db-1: match (before checksum
    387afb641ae2 customers=4 orders=15; after checksum a1572ed5ce09 customers=4
    orders=18)': a match between two checksums that differ."""
    done = _demo_drill("db-corrupt-data")
    journal = Path(done.stdout.splitlines()[-1].split()[-1])
    records = [
        e.data.dump() | {"host": e.where.host, "step": e.where.step}
        for e in read_journal(journal).events
        if e.kind == Kind.INTEGRITY_RECORDED
    ]
    for host in ("db-1", "db-2"):
        [base] = [r for r in records if r["host"] == host and r["stage"] == "baseline"]
        [after] = [
            r for r in records if (r["host"], r["step"], r["stage"]) == (host, "restore", "after")
        ]
        assert after["verdict"] == "match" and after["expected"]["checksum"] == after["checksum"]
        assert base["checksum"] != after["checksum"]  # the replay changed the data, on purpose
        [line] = [x for x in done.stdout.splitlines() if x.startswith(f"  integrity  {host}: ")]
        assert line == (
            f"  integrity  {host}: match: after = the strategy's expected,"
            f" checksum {after['checksum'][:12]} customers=4 orders=18"
            f" (the drill's own check: baseline checksum {base['checksum'][:12]} customers=4"
            f" orders=15; after checksum {after['checksum'][:12]} customers=4 orders=18)"
        ), line


def test_a_threshold_crossed_in_the_last_wave_is_no_halt() -> None:
    """The failure threshold crossed in a run's only wave holds no host back. The banner
    said "HALTED ... · every host was started" and the report "got halted by the failure
    threshold" (walked on a README fleet of 3 sshd hosts at 80x24): the report, the banner
    and the document now say what happened, two hosts failed and one rolled back."""
    from tests.test_halt_unknown import _halt_banner

    done = _demo_drill("web-fail")
    journal = Path(done.stdout.splitlines()[-1].split()[-1])
    events = read_journal(journal).events
    if any(e.kind == Kind.HOST_NOT_STARTED for e in events):
        # web-3 dialled after web-1 and web-2 had failed (a loaded machine): the threshold
        # held it back, and that halt says so
        banner = asyncio.run(_halt_banner(journal))
        assert banner.endswith("limit of 34% 1 host(s) not started"), banner
        return
    assert "halted" not in done.stdout.lower(), done.stdout
    assert (
        "outcome    expected refused by a precheck · actual refused by a precheck ✔" in done.stdout
    )
    assert asyncio.run(_halt_banner(journal)) == ""
    document = EXPORT_FORMATS["markdown"].render(read_journal(journal).events, False)
    assert "halted" not in document.lower(), document
