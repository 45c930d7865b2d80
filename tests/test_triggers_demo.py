"""Automatic triggers on the demo fleet: firing with evidence, propose versus auto, the
countdown and its cancellation, journal thinning, and the `probe` and `run --trigger auto`
commands."""

from __future__ import annotations

import asyncio
import json

import pytest

from console.cli import main
from console.demo.faults import Fault, FaultKind
from console.demo.fleet import DemoFleet
from console.engine import triage
from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.engine.triage import Proposal
from console.engine.watcher import Watcher, WatchUpdate
from console.journal.export.markdown import render_markdown
from console.journal.recorder import Recorder
from console.model.clock import SystemClock
from console.model.events import Actor, Kind
from console.model.loading import load_settings
from console.model.settings import Settings
from console.model.status_summary import status_line
from console.model.triggers import TriggerKind
from console.paths import demo_config


def with_triggers(settings: Settings, **changes) -> Settings:
    """The settings with the web-errors trigger changed, and triggers.toml sections set."""
    data = settings.dumped()
    for trigger in data["triggers"]["triggers"]:
        if trigger["name"] == "web-errors":
            trigger.update(changes.pop("web_errors", {}))
    data["triggers"].update(changes)
    return Settings.validated(data)


def conductor_for(settings: Settings, pool: SshPool, tmp_path) -> Conductor:
    recorder = Recorder.open(tmp_path / "incident", SystemClock(), Actor(user="commander"))
    conductor = Conductor(settings, recorder, pool)
    conductor.open_incident("web errors", "inc-1")
    return conductor


async def test_bad_release_fires_the_web_error_threshold_within_a_few_samples(demo, pool):
    watcher = Watcher(demo.settings, pool, systems=["web"])
    updates: list[WatchUpdate] = []
    watcher.subscribe(updates.append)
    firing = await watcher.until_fired(["web"])
    assert firing is not None
    assert firing.trigger.kind is TriggerKind.ERROR_THRESHOLD
    assert (firing.trigger.system, firing.trigger.probe) == ("web", "error-rate")
    assert firing.reason.startswith("Critical error threshold exceeded: web/error-rate = 0.31")
    assert [s.value for s in firing.evidence] == [0.31, 0.31, 0.31]
    assert sum(1 for u in updates if u.what == "sampled" and u.sample.key == "web/error-rate") == 3
    reading = watcher.readings["web/error-rate"]
    assert (reading.state, reading.streak, reading.value) == ("firing", "3/3", 0.31)
    assert "fired" in [u.what for u in updates]


async def test_an_accepted_proposal_is_declared_with_its_evidence(demo, pool, tmp_path):
    conductor = conductor_for(demo.settings, pool, tmp_path)
    watcher = Watcher(demo.settings, pool, systems=["web"])
    firing = await watcher.until_fired(["web"])
    triage.accept(conductor, Proposal(firing, "policy propose"), "confirmed on the bridge")
    state = conductor.state
    assert state.countdown is None  # a proposal never counted down
    assert state.firings[0]["trigger"] == "web-errors"
    assert len(state.firings[0]["evidence"]) == 3
    assert state.trigger.automatic and len(state.trigger.evidence) == 3
    assert state.trigger.reason == "confirmed on the bridge"
    assert state.first_trigger_at == firing.fired_at


async def test_auto_starts_when_the_countdown_elapses_with_nobody_there(demo, pool, tmp_path):
    settings = with_triggers(demo.settings, web_errors={"policy": "auto", "countdown_seconds": 0})
    conductor = conductor_for(settings, pool, tmp_path)
    watcher = Watcher(settings, pool, systems=["web"])
    firing = await watcher.until_fired(["web"])
    countdown = await watcher.run_countdown(firing, hold=lambda: "")
    assert countdown.elapsed and countdown.reason == ""
    triage.start_automatically(conductor, countdown)
    kinds = [e.kind for e in conductor.recorder.events]
    assert kinds[-3:] == [Kind.TRIGGER_FIRED, Kind.COUNTDOWN_ELAPSED, Kind.TRIGGER_DECLARED]
    trigger = conductor.state.trigger
    assert trigger.kind == "error-threshold" and trigger.reason == firing.reason
    # a status update names what fired, not only that it started by itself
    said = status_line(conductor.state)
    assert said.startswith("Critical error threshold exceeded: web/error-rate = 0.31"), said
    # ... and the document who declared it, from the countdown's event
    document = render_markdown(conductor.recorder.events)
    assert "declared automatically by the watcher, with nobody at the console: web/" in document
    assert len(trigger.evidence) == 3
    assert conductor.state.countdown["status"] == "elapsed"
    assert conductor.recorder.events[-2].data.started == countdown.started.isoformat()


async def test_a_person_at_the_console_holds_the_countdown(demo, pool, tmp_path):
    """At the deadline, someone declaring, driving or typing: it does not start."""
    settings = with_triggers(demo.settings, web_errors={"policy": "auto", "countdown_seconds": 0})
    watcher = Watcher(settings, pool, systems=["web"])
    firing = await watcher.until_fired(["web"])
    countdown = await watcher.run_countdown(firing, hold=lambda: "a person is declaring")
    assert not countdown.elapsed and countdown.reason == "a person is declaring"
    assert watcher.countdown is None


async def counting_down(demo, pool, tmp_path):
    """An auto trigger fired on web, its hour-long countdown running in a task."""
    settings = with_triggers(
        demo.settings, web_errors={"policy": "auto", "countdown_seconds": 3600}
    )
    conductor = conductor_for(settings, pool, tmp_path)
    watcher = Watcher(settings, pool, systems=["web"])
    firing = await watcher.until_fired(["web"])
    started = asyncio.Event()
    watcher.subscribe(lambda u: started.set() if u.what == "countdown.started" else None)
    task = asyncio.create_task(watcher.run_countdown(firing))
    await asyncio.wait_for(started.wait(), 30)
    return conductor, watcher, task


async def test_anyone_can_stop_the_countdown_and_dismiss_it_with_a_reason(demo, pool, tmp_path):
    conductor, watcher, task = await counting_down(demo, pool, tmp_path)
    assert watcher.countdown is not None and watcher.countdown.seconds == 3600
    with pytest.raises(ValueError, match="needs a reason"):
        watcher.stop_countdown("   ")
    watcher.stop_countdown("dismissed at the console")
    countdown = await asyncio.wait_for(task, 30)
    assert not countdown.elapsed
    proposal = Proposal(countdown.firing, countdown.reason, countdown)
    triage.dismiss(conductor, proposal, "known load test, not a regression", close=True)
    state = conductor.state
    assert state.countdown["status"] == "cancelled"
    assert state.countdown["reason"] == "dismissed at the console"
    assert state.countdown["by"] == "commander"
    dismissed = state.dismissed[0]
    assert (dismissed["reason"], dismissed["by"]) == (
        "known load test, not a regression",
        "commander",
    )
    assert len(dismissed["evidence"]) == 3
    assert state.trigger is None and state.outcome == "dismissed"
    with pytest.raises(ValueError, match="no countdown"):
        watcher.stop_countdown("again")


async def test_a_long_watch_journals_changes_and_keeps_a_bounded_history(demo, pool, tmp_path):
    settings = with_triggers(demo.settings, watch={"journal_every": 4, "history": 3})
    conductor = conductor_for(settings, pool, tmp_path)
    watcher = Watcher(settings, pool, recorder=conductor.recorder, systems=["web"])
    await watcher.watch(max_rounds=6)
    reading = watcher.readings["web/error-rate"]
    assert len(reading.history) == 3 and len(reading.spark()) == 3
    samples = [
        e
        for e in conductor.recorder.events
        if e.kind == Kind.PROBE_SAMPLE and e.data.probe == "web/error-rate"
    ]
    assert [e.data.journalled for e in samples] == ["change", "periodic"]
    assert conductor.state.probes["web/error-rate"]["state"] == "bad"
    fired = [e for e in conductor.recorder.events if e.kind == Kind.TRIGGER_FIRED]
    assert {e.data.trigger for e in fired} == {"web-errors", "web-latency"}


def test_probe_command_prints_each_probe_once(capsys):
    assert main(["probe", "--demo"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("web/error-rate"))
    assert "0.31" in row and "> 0.05" in row and " bad " in row
    assert "db/rollback-target" in out


def test_probe_command_exits_1_when_a_host_cannot_be_reached(capsys):
    assert main(["probe", "--demo", "--systems", "api", "--inject", "refuse-auth:api-2"]) == 1
    captured = capsys.readouterr()
    assert "cannot reach api-2" in captured.err
    assert "api/error-rate" in captured.out


def test_run_trigger_auto_uses_the_firing_trigger_and_its_evidence(tmp_path, capsys):
    journal = tmp_path / "auto"
    args = ["run", "--demo", "--systems", "web", "--strategy", "version-rollback"]
    assert main([*args, "--trigger", "auto", "--yes", "--quiet", "--journal", str(journal)]) == 0
    assert "automatic trigger firing: Critical error threshold exceeded" in capsys.readouterr().out
    events = [json.loads(line) for line in (journal / "journal.jsonl").read_text().splitlines()]
    declared = next(e for e in events if e["kind"] == "trigger.declared")
    assert declared["data"]["kind"] == "error-threshold" and declared["data"]["automatic"]
    # the latency trigger fires with it: it ranks below, and its samples are evidence too
    probes = [sample["probe"] for sample in declared["data"]["evidence"]]
    assert probes == ["web/error-rate"] * 3 + ["web/p99-latency"] * 3
    assert declared["data"]["reason"].endswith(
        "also firing: Performance degradation beyond limits (web-latency)"
    )


def test_run_trigger_auto_without_a_firing_trigger_exits_2(tmp_path, capsys):
    args = ["run", "--demo", "--systems", "db", "--strategy", "version-rollback"]
    assert main([*args, "--trigger", "auto", "--yes", "--journal", str(tmp_path / "x")]) == 2
    assert "no automatic trigger is firing on db" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


async def test_a_breach_floods_the_auth_log_and_fires_the_security_trigger():
    faults = [Fault(FaultKind.BREACH, "api-1")]
    async with DemoFleet(load_settings(demo_config()), faults) as fleet:
        pool = SshPool(fleet.settings.inventory.ssh)
        try:
            watcher = Watcher(fleet.settings, pool, systems=["api"])
            for _ in range(4):  # a baseline, then two bad samples in a row fire it
                await watcher.round(["api/auth-failures"])
                await asyncio.sleep(0.5)  # the probe's interval: new lines arrive meanwhile
        finally:
            await pool.close()
    firing = next(f for f in watcher.firings.values() if f.trigger.name == "api-auth")
    assert firing.trigger.kind is TriggerKind.SECURITY
    assert firing.trigger.probe == "auth-failures"
    assert all(s.value > 10 for s in firing.evidence)
    assert firing.reason.startswith("Security breach detected: api/auth-failures")
    assert watcher.readings["api/auth-failures"].state == "firing"


async def test_without_a_breach_the_auth_log_stays_quiet(demo, pool):
    watcher = Watcher(demo.settings, pool, systems=["api"])
    for _ in range(3):
        await watcher.round(watcher.keys_for(["api"]))
    reading = watcher.readings["api/auth-failures"]
    assert reading.state == "healthy" and reading.value == 0
