"""Verify stability on the demo fleet: the soak step, its failure and retry, and the
recovery time in the state and the exported document."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from console.demo.sandbox import current_release
from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.engine.walk import RunRequest, walk
from console.engine.watcher import Watcher
from console.journal.export.markdown import render_markdown
from console.journal.recorder import Recorder
from console.model.clock import SystemClock
from console.model.events import Actor, Kind
from console.model.procedure import Step
from console.model.settings import Settings
from console.model.state import StepStatus
from console.model.status_summary import status_line
from console.model.triggers import TriggerKind


def conductor_for(settings: Settings, pool: SshPool, tmp_path) -> Conductor:
    recorder = Recorder.open(tmp_path / "incident", SystemClock(), Actor(user="commander"))
    return Conductor(settings, recorder, pool)


def soak_events(conductor: Conductor) -> list[dict]:
    return [e.data.dump() for e in conductor.recorder.events if e.kind == Kind.SOAK_PROGRESS]


async def test_trigger_fires_rollback_runs_probe_recovers_and_recovery_is_exported(
    demo, pool, tmp_path
):
    firing = await Watcher(demo.settings, pool, systems=["web"]).until_fired(["web"])
    request = RunRequest(
        systems=["web"],
        strategy="version-rollback",
        trigger=firing.trigger.kind,
        reason=firing.reason,
        yes=True,
        firing=firing,
    )
    conductor = conductor_for(demo.settings, pool, tmp_path)
    assert await walk(conductor, request, "inc-flow") is True
    assert current_release(demo.sandboxes["web-1"]) == "2.4.0"
    state = conductor.state
    assert state.steps["verify"].status is StepStatus.DONE
    progress = soak_events(conductor)
    assert [p["healthy"] for p in progress] == [1, 2, 3]
    assert progress[-1]["status"] == "passed"
    recovered = conductor.watcher.readings["web/error-rate"]
    assert (recovered.value, recovered.state) == (0.006, "healthy")
    recovery = state.recovery["web"]
    assert recovery.started == firing.fired_at
    assert recovery.rto_minutes == 15 and recovery.verdict == "within target"
    document = render_markdown(conductor.recorder.events)
    section = document.split("## Milestones", 1)[1].split("\n## ", 1)[0]
    assert "| web |" in section and "| 15 min | within target |" in section
    assert "web/error-rate = 0.31 bad, threshold 0.05" in document


async def test_soak_fails_while_unhealthy_and_a_retry_after_the_rollback_passes(
    demo, pool, tmp_path
):
    conductor = conductor_for(demo.settings, pool, tmp_path)
    conductor.open_incident("web errors", "inc-soak")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout complaints")
    conductor.select(["web"])
    assert await conductor.run_step("verify") is False
    verify = conductor.state.steps["verify"]
    assert verify.status is StepStatus.FAILED and "not stable" in verify.summary
    failed = soak_events(conductor)
    assert failed[-1]["status"] == "failed" and failed[-1]["healthy"] == 0
    assert failed[-1]["probes"]["web/error-rate"]["state"] == "bad"
    assert failed[-1]["probes"]["web/error-rate"]["shown"] == "0.31"
    assert len(failed) < failed[-1]["limit"] + 1
    assert conductor.state.recovery == {}
    assert "Stability was not verified" in render_markdown(conductor.recorder.events)

    conductor.choose_strategy("version-rollback")
    assert await conductor.run_step("restore") is True
    assert await conductor.run_step("verify") is True
    retried = soak_events(conductor)[len(failed) :]
    assert {p["attempt"] for p in retried} == {2}
    assert retried[-1]["status"] == "passed"
    assert conductor.state.steps["verify"].status is StepStatus.DONE
    assert conductor.state.recovery["web"].verdict == "within target"


async def test_a_system_without_probes_cannot_be_verified(demo, pool, tmp_path):
    data = demo.settings.dumped()
    data["triggers"]["triggers"] = []
    for system in data["inventory"]["systems"]:
        system["probes"] = []
    conductor = conductor_for(Settings.validated(data), pool, tmp_path)
    conductor.open_incident("no probes", "inc-none")
    conductor.declare_trigger(TriggerKind.STAKEHOLDER, "product call")
    conductor.select(["web"])
    assert await conductor.run_step("verify") is False
    assert soak_events(conductor)[-1]["detail"] == (
        "no probes watch web: add [[systems.probes]] to inventory.toml, or skip this step"
        " with a reason"
    )
    # headless and in the timeline: the same, without counts
    from console.journal.terminal_line import console_line

    soak = next(e for e in reversed(conductor.recorder.events) if e.kind == Kind.SOAK_PROGRESS)
    assert console_line(soak).endswith(
        "soak not sampled (failed): no probes watch web: add [[systems.probes]] to"
        " inventory.toml, or skip this step with a reason"
    )
    # on screen: why, and no "0/3 healthy samples · round 0 of 6" to misread
    from console.ui.widgets.run_summary import soak_text

    assert soak_text(soak_events(conductor)[-1]).plain == (
        "✘ failed · no probes watch web: add [[systems.probes]] to inventory.toml, or skip"
        " this step with a reason"
    )


async def test_a_probe_step_may_have_its_own_soak_window(demo, pool, tmp_path):
    data = demo.settings.dumped()
    data["triggers"]["soak"] = {"samples": 50, "max_samples": 60}  # too long to wait for
    for phase in data["procedure"]["phases"]:
        for step in phase["steps"]:
            if step["id"] == "verify":
                step["soak"] = {"samples": 2, "max_samples": 4}
    conductor = conductor_for(Settings.validated(data), pool, tmp_path)
    conductor.open_incident("web errors", "inc-own-soak")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout complaints")
    conductor.select(["web"])
    conductor.choose_strategy("version-rollback")
    assert await conductor.run_step("restore") is True
    assert await conductor.run_step("verify") is True
    progress = soak_events(conductor)
    assert [p["healthy"] for p in progress] == [1, 2]
    assert {(p["needed"], p["limit"]) for p in progress} == {(2, 4)}


async def _soaking(demo, pool, tmp_path, soak: dict):
    """A rollback done on web, its verification soaking with `soak` (its first round
    journalled): the conductor and the verification's task."""
    data = demo.settings.dumped()
    for phase in data["procedure"]["phases"]:
        for step in phase["steps"]:
            if step["id"] == "verify":
                step["soak"] = soak
    conductor = conductor_for(Settings.validated(data), pool, tmp_path)
    conductor.open_incident("web errors", "inc-abort-soak")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout complaints")
    conductor.select(["web"])
    conductor.choose_strategy("version-rollback")
    assert await conductor.run_step("restore") is True
    verify = asyncio.create_task(conductor.run_step("verify"))
    for _ in range(200):  # bounded: the first round is journalled well within 20 s
        if soak_events(conductor):
            break
        await asyncio.sleep(0.1)
    assert soak_events(conductor), "the soak never sampled"
    return conductor, verify


async def test_an_abort_during_the_soak_stops_it(demo, pool, tmp_path):
    """`a` on a verification step: the abort is journalled and the soak stops, failed
    with the reason (seen in a drill on a real fleet: the abort was recorded, the soak
    went on and the drill passed)."""
    soak = {"samples": 6, "max_samples": 8, "interval": 0.2}
    conductor, verify = await _soaking(demo, pool, tmp_path, soak)
    await conductor.abort("the bridge calls it off")
    assert await asyncio.wait_for(verify, 30) is False
    step = conductor.state.steps["verify"]
    assert step.status is StepStatus.FAILED
    assert step.summary.endswith("aborted: the bridge calls it off"), step.summary
    assert len(soak_events(conductor)) < 6
    assert conductor.state.recovery == {}


def test_only_a_probe_step_has_a_soak_window():
    with pytest.raises(ValidationError, match="only a probe step has a soak window"):
        Step.validated({"id": "x", "title": "X", "kind": "manual", "soak": {"samples": 2}})


async def test_an_abort_ends_the_wait_between_soak_rounds(demo, pool, tmp_path):
    """Rounds a minute apart: the abort stops the soak at once, not at the next round
    (it waited out the interval before)."""
    soak = {"samples": 3, "max_samples": 4, "interval": 600}
    conductor, verify = await _soaking(demo, pool, tmp_path, soak)
    assert len(soak_events(conductor)) == 1
    await conductor.abort("the bridge calls it off")
    assert await asyncio.wait_for(verify, 60) is False  # not after the 600 s interval
    step = conductor.state.steps["verify"]
    # An abort judges nothing: never "not stable" (in the step, nor in a status update).
    said = "not judged, stopped after 1 round(s): aborted: the bridge calls it off"
    assert step.summary == said
    assert status_line(conductor.state).endswith(
        "; stability check aborted: the bridge calls it off (1/3 healthy rounds)"
    ), status_line(conductor.state)


async def test_a_hang_up_cuts_the_soak_short_judging_nothing(demo, pool, tmp_path):
    """A headless command's terminal gone mid-soak (`Runner.hang_up`): the stability
    check read '✘ failed', 'not judged, stopped after 1 round(s): aborted: terminal closed
    (SIGHUP)' once resumed, as if the rollback had not held. It is cut short, as the
    console's end cuts it: stopped, to be checked again; and it says what that means for
    the commander, alike on the execution screen and in the document (it said 'check
    again' in the step, only '◌ stopped' on the check's line)."""
    from console.ui.widgets.run_summary import soak_text

    soak = {"samples": 3, "max_samples": 4, "interval": 600}
    conductor, verify = await _soaking(demo, pool, tmp_path, soak)
    await conductor.runner.hang_up("terminal closed (SIGHUP)")
    assert await asyncio.wait_for(verify, 60) is False  # not after the 600 s interval
    step = conductor.state.steps["verify"]
    meaning = "stability NOT verified: run the check again after resume"
    assert (step.status, step.summary) == (
        StepStatus.STOPPED,
        "cut short after round 1 of 4, 1/3 healthy in a row: terminal closed (SIGHUP); it"
        f" changed nothing; {meaning}",
    )
    assert soak_text(conductor.state.soak["verify"]).plain.endswith(f" · {meaning}")
    assert f"stopped: {step.summary}" in render_markdown(conductor.recorder.events)
    assert status_line(conductor.state).endswith(
        "; stability check cut short (1/3 healthy rounds): stability NOT verified"
    )


def test_a_healthy_round_is_counted_once_on_screen():
    """The count is said once: a healthy round's detail ("2/3 healthy") repeated it, and at
    80 columns wrapped to a line of its own under a dangling "·" (seen in tmux); an
    unhealthy round still names its probes."""
    from console.ui.widgets.run_summary import soak_text

    healthy = {"status": "waiting", "healthy": 2, "needed": 3, "round": 2, "limit": 6,
               "detail": "2/3 healthy"}  # fmt: skip
    assert soak_text(healthy).plain == "◔ waiting · 2/3 healthy samples · round 2 of 6"
    unhealthy = {**healthy, "healthy": 0, "round": 3, "detail": "web/health unhealthy"}
    assert soak_text(unhealthy).plain == (
        "◔ waiting · 0/3 healthy samples · round 3 of 6 · web/health unhealthy"
    )


async def test_a_failed_soak_names_the_hosts_and_their_values(demo, pool, tmp_path):
    """After the rollback one host's error rate is bad again: the failed soak's detail
    said only 'web/error-rate bad'; it names the host and its value, as a rollout's hold
    does (the checklist, the document and the status update say it)."""
    conductor = conductor_for(demo.settings, pool, tmp_path)
    conductor.open_incident("web errors", "inc-soak-hosts")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout complaints")
    conductor.select(["web"])
    conductor.choose_strategy("version-rollback")
    assert await conductor.run_step("restore") is True
    metrics = demo.sandboxes["web-3"] / "service" / "metrics"
    metrics.write_text(metrics.read_text().replace("error_rate=0.006", "error_rate=0.31"))
    assert await conductor.run_step("verify") is False
    said = "web/error-rate = 0.31 (bad > 0.05), bad on web-3 0.31"
    summary = conductor.state.steps["verify"].summary
    assert summary.startswith("not stable after ") and summary.endswith(f"): {said}"), summary
    assert soak_events(conductor)[-1]["detail"] == said
