"""A drill as a new user meets it on a README-style staging fleet (real sshd), walked by
helper-133 at 80x24: the recovery verdict read "RTO exceeded" in the timeline and "target
exceeded" in the report; and after the drill, the home screen offered to declare a real
incident from the drill's own fault ("p opens an incident pre-filled with this trigger").
(Aborting a drill's step said "The incident stays open": tests/test_drill_quit_sshd.)"""

from __future__ import annotations

import asyncio
import copy
import os
from pathlib import Path

import pytest
import tomli_w

from console.engine.session import Engine
from console.journal.drill_text import report_lines
from console.model.loading import load_settings
from console.ui.app import make_app
from console.ui.screens.drills import DrillReport
from console.ui.screens.home import HomeScreen
from tests.test_drills_sshd import DRILLS, STRATEGIES, staging_fleet, start_drill
from tests.test_ui_support import until

pytestmark = pytest.mark.sshd


def test_a_drills_recovery_reads_in_one_wording_everywhere(sshd_server, tmp_path):
    """The report, the timeline printed as it runs and the document's milestones and
    timeline all say "target exceeded" (the timeline said "RTO exceeded")."""
    drills = copy.deepcopy(DRILLS)
    drills["scenarios"][0]["rto_minutes"] = 0.001  # 0.06 s: missed by any real recovery
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    result = fleet.cli("drill")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "  ✘ recovery of app: target exceeded" in out
    [line] = [ln for ln in out.splitlines() if "recovery: app " in ln]
    assert line.endswith("(target 0.06 s, target exceeded)"), line
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    document = fleet.cli("export", str(journal))
    assert document.returncode == 0, document.stderr
    assert "| 0.06 s | target exceeded |" in document.stdout  # the milestones' row
    assert "(target 0.06 s, target exceeded) | app |" in document.stdout  # the timeline's
    for said in (out, document.stdout):
        assert "RTO exceeded" not in said and "within RTO" not in said
    # The document's timeline has the drill's own rows: its fault was in the appendix alone
    timeline = document.stdout.split("\n## Timeline\n")[1].split("\n## Root cause\n")[0]
    for row in ("injected fault deploy the bad release 1.1 on app-1, app-2", "undid fault"):
        assert f"| {row}" in timeline, timeline
    assert "| drill bad-release FAILED: recovery of app: target exceeded" in timeline, timeline


def test_a_fault_meant_for_one_host_that_fails_there_is_said_as_it_happened(
    sshd_server, tmp_path, monkeypatch
):
    """A fault meant for app-1 alone fails there, the data judged on the strategy's own
    records (`after = "strategy"`). The report said "deploy ... on app-1, not set on every
    host" (as if set on some), "integrity on app-1: no record after the drill" and
    "stability was never verified" (as if the strategy had run and kept nothing): the
    rollback never ran. Headless and on the console's drills screen at 80x24, the same.
    Its undo was sent there all the same, where the fault never was: this one, reading
    the release to go back to from the file the fault writes first, pointed `current` at
    `releases/` (helper 229); it is sent nowhere now, and the report says why, with the
    undo to run by hand if any of the fault took effect (its exit status cannot say)."""
    drills = copy.deepcopy(DRILLS)
    [scenario] = drills["scenarios"]
    [fault] = scenario["faults"]
    refuse = "test {{host}} != app-1 || { echo 'cannot write there' >&2; exit 3; }; "
    fault |= {"command": refuse + fault["command"], "hosts": ["app-1"], "systems": []}
    scenario["integrity"]["after"] = "strategy"
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    result = fleet.cli("drill")
    assert result.returncode == 1, result.stdout + result.stderr
    never_ran = "the rollback never ran: the drill's stage could not be set"
    said = [
        "  fault      deploy the bad release 1.1 on app-1, not in place: its command did not"
        " succeed there; undo not sent to app-1 (exit status 3: cannot write there): the"
        " fault's command failed there; if any of it took effect, undo it there by hand: set"
        ' -- "$(basename "$(cat .drill-was)")" && ln -sfn "releases/$1" current.next && mv'
        " -Tf current.next current && rm .drill-was",
        f"  recovery   app: –, target 10 min: not measured: {never_ran} ✘",
        f"  integrity  app-1: not judged: {never_ran} (the drill's own check: unchanged,",
        "  ✘ fault deploy the bad release 1.1 was not injected: failed on app-1 (exit status 3:"
        " cannot write there)",
        f"  ✘ integrity on app-1, app-2: not judged: {never_ran}",
        "  integrity  4 record(s), 0 mismatch(es), not judged on app-1, app-2 ✘",
    ]
    for line in said:
        assert line in result.stdout, result.stdout
    headless = result.stdout.split("DRILL bad-release: FAILED\n", 1)[1].split("  journal ")[0]
    assert "not set on every host" not in headless and "no record after" not in headless
    assert "drill-undo-1" not in result.stdout  # no step of it, nothing sent
    assert (fleet.sandboxes["app-1"] / "current").readlink() == Path("releases/1.0")

    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(fleet.state))

    async def in_the_console() -> list[str]:
        engine = Engine.build(load_settings(fleet.config))
        app = make_app(engine.settings, engine, check_reach=False)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await start_drill(pilot)
                await until(pilot, lambda: isinstance(app.screen, DrillReport), 60)
                return report_lines(app.screen.verdict)
        finally:
            if app.conductor is not None:
                app.conductor.release_locks()
                app.conductor.recorder.close()
            await engine.close()

    shown = asyncio.run(in_the_console())
    assert "\n".join(shown[1:]) + "\n" == headless


def _held_action(fleet) -> list[Path]:
    """The strategy's action waits for a file `go` in each sandbox (the test makes it);
    those files."""
    strategies = copy.deepcopy(STRATEGIES)
    commands = strategies["strategies"][0]["commands"]
    commands["action"] = "while [ ! -e go ]; do sleep 0.1; done; " + commands["action"]
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps(strategies))
    return [sandbox / "go" for sandbox in fleet.sandboxes.values()]


def test_a_drills_fault_is_never_proposed_as_a_real_trigger(sshd_server, tmp_path, monkeypatch):
    """The home screen's own probes see the drill's fault and its trigger fires there
    too, while the rollback is held: nothing is proposed, during the drill or after it.
    Once it is over, a bad release put there by hand (no drill) is proposed as ever."""
    fleet = staging_fleet(sshd_server, tmp_path)
    go = _held_action(fleet)
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(fleet.state))

    async def scenario() -> tuple[str, str]:
        engine = Engine.build(load_settings(fleet.config))
        app = make_app(engine.settings, engine, sample_probes=True, check_reach=False)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await start_drill(pilot)
                # the home screen's watcher fired on the drill's fault, rollback held
                await until(pilot, lambda: "app-health" in app.live.watcher.firings, 60)
                await pilot.pause(0.2)
                during = app.live.proposal
                for path in go:
                    path.touch()
                await until(pilot, lambda: isinstance(app.screen, DrillReport), 90)
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, HomeScreen))
                await pilot.pause(0.5)  # healthy rounds after the drill
                assert during is None and app.live.proposal is None, (during, app.live.proposals)
                after = str(app.screen.query_one("#alert").render())
                # a real bad release, after the drill: proposed from fresh samples
                for sandbox in fleet.sandboxes.values():
                    (sandbox / "current.next").symlink_to("releases/1.1")
                    os.replace(sandbox / "current.next", sandbox / "current")
                await until(pilot, lambda: app.live.proposal is not None, 60)
                await pilot.pause(0.2)
                real = str(app.screen.query_one("#alert").render())
                return after, real
        finally:
            if app.conductor is not None:
                app.conductor.release_locks()
                app.conductor.recorder.close()
            await engine.close()

    after, real = asyncio.run(scenario())
    assert "TRIGGER FIRED" not in after, after
    assert "TRIGGER FIRED" in real and "during drill" not in real, real


def test_a_drill_run_elsewhere_is_not_proposed_nor_said_cut_short(
    sshd_server, tmp_path, monkeypatch
):
    """A headless drill (cron's `drill --due`, another terminal) on the system a console
    watches: the console's probes saw its fault and the banner read 'Drill ... was cut
    short on app: its fault ... was NEVER UNDONE, most likely what fired. r resumes it', of
    a drill running, which went on to pass and undo it (helper 229, on a real fleet). Its
    lock's holder is alive: nothing is proposed, during the drill or after it. (About 10
    s: a whole headless drill runs beside the console.)"""
    fleet = staging_fleet(sshd_server, tmp_path)
    go = _held_action(fleet)
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(fleet.state))

    def fired_there() -> bool:  # the drill's own probes fired: its fault is in place
        found = list((fleet.state / "incidents").glob("*/journal.jsonl"))
        return bool(found) and '"kind":"trigger.fired"' in found[0].read_text().replace(" ", "")

    async def scenario() -> None:
        engine = Engine.build(load_settings(fleet.config))
        app = make_app(engine.settings, engine, sample_probes=True, check_reach=False)
        drill = fleet.started("drill", "--quiet")
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await until(pilot, fired_there, 60)
                await pilot.pause(0.5)  # the console's own rounds, at 0.2 s, see it too
                during = app.live.proposal
                for path in go:
                    path.touch()
                await until(pilot, lambda: drill.poll() is not None, 90)
                assert drill.returncode == 0, drill.stdout.read() if drill.stdout else ""
                assert during is None and app.live.proposal is None, (during, app.live.proposals)
                assert "TRIGGER FIRED" not in str(app.screen.query_one("#alert").render())
        finally:
            drill.kill()
            drill.wait(30)
            await engine.close()

    asyncio.run(scenario())


def test_a_verdict_judged_before_reads_as_it_did():
    """A drill.judged written before a fault's `meant` and `in_place`, and an integrity
    host's `unjudged`, were kept reads as it did then: its words were true of it."""
    verdict = {
        "scenario": "bad-release",
        "passed": False,
        "faults": [{"name": "f", "hosts": ["app-1"], "undone": {"ok": True}, "set": False}],
        "integrity": {
            "after": "strategy",
            "records": 1,
            "hosts": {"app-1": {"baseline": {"checksum": "ab", "rows": {"lines": 3}}}},
        },
    }
    lines = report_lines(verdict)
    assert "  fault      f on app-1, not set on every host; undone" in lines, lines
    said = "  integrity  app-1: missing: no record after (baseline before the drill: checksum ab"
    assert any(line.startswith(said) for line in lines), lines
    assert "  integrity  1 record(s), 0 mismatch(es) ✘" in lines, lines
