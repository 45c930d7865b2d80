"""The retry question counts its hosts by how they stand, on real sshd: a run stopped by
its max-fail after its first wave left one host failed and three never started, and the
retry asked 'Retry “Restore” on 4 host(s)?', as if all four had failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Button, Label, Static

from console.model.loading import load_settings
from console.model.state import StepStatus
from console.ui.screens.confirm_run import RunConfirm
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd

HOSTS = ["app-1", "app-2", "app-3", "app-4"]
STRATEGY = {
    "name": "pin-release",
    "kind": "custom",
    "waves": {"size": 1},
    "max_fail_percentage": 0.0,  # the first host failing stops the run there
    "commands": {"action": "test ! -e broken && echo 2.4.1 > version", "verify": "true"},
}


def _app(sshd_server, tmp_path: Path):
    """The console on four hosts whose first, app-1, fails the strategy's action."""
    files = {"strategies.toml": {"strategies": [STRATEGY]}, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["pin-release"], probes=[], hosts=HOSTS
    )
    (fleet.sandboxes["app-1"] / "broken").write_text("")
    return fleet, build_app(load_settings(fleet.config), tmp_path / "incidents")


async def _run_then_retry(app, pilot) -> None:
    """Run the step until it stops, then ask to retry it from the execution screen."""
    await open_incident(pilot)
    app.start_run("restore")
    await until(pilot, lambda: isinstance(app.screen, RunConfirm))
    await pilot.press("y")
    ended = (StepStatus.FAILED, StepStatus.STOPPED, StepStatus.HALTED)
    await until(pilot, lambda: app.conductor.state.step("restore").status in ended, 60)
    await app.push_screen("execution")
    await pilot.pause(0.2)
    await pilot.press(app.key_label("execution.retry"))
    await until(pilot, lambda: isinstance(app.screen, RunConfirm))


async def test_the_retry_question_says_how_many_failed_and_how_many_never_started(
    sshd_server, tmp_path: Path
) -> None:
    _, app = _app(sshd_server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _run_then_retry(app, pilot)
        hosts = app.conductor.state.step("restore").hosts
        standing = {h: r.status.value for h, r in hosts.items()}
        title = str(app.screen.query_one(".dialog-title", Label).render())
        yes = str(app.screen.query_one("#yes", Button).label)
        hint = str(app.screen.query_one("#confirm-hint", Static).render())
    assert standing == {
        "app-1": "failed", "app-2": "not started", "app-3": "not started", "app-4": "not started"
    }  # fmt: skip
    assert title == "Retry “Restore” on 4 host(s): 1 failed, 3 not started?"
    assert yes == "Retry on 4 host(s) (y)"
    assert "Retry on 4 host(s): 1 failed, 3 not started" in hint, hint


async def waves_line_after_retry(app, broken: Path) -> str:
    """At 80x24: the run stops on the host `broken` fails, `broken` goes, t retries, and
    the execution screen's waves line once the step is done."""
    async with app.run_test(size=(80, 24)) as pilot:
        await _run_then_retry(app, pilot)
        broken.unlink()
        await pilot.press("y")
        step = app.conductor.state.step
        await until(pilot, lambda: step("restore").status is StepStatus.DONE, 60)
        waves = app.screen.query_one("#exec-waves", Static)
        await until(pilot, lambda: "Earlier" in str(waves.render()))
        return str(waves.render())


async def test_the_run_before_a_retry_keeps_its_counts_in_the_waves_line(
    sshd_server, tmp_path: Path
) -> None:
    """Walked at 80x24 on a README fleet of 3 sshd hosts: after t had retried the host that
    failed, the waves line read "Earlier run 1: 3 of 3 waves, web-1, web-2, web-3", as if
    that run had gone well; it says how its hosts ended then."""
    fleet, app = _app(sshd_server, tmp_path)
    said = await waves_line_after_retry(app, fleet.sandboxes["app-1"] / "broken")
    assert "Earlier run 1: 1 of 4 waves, app-1: 0 ok, 1 failed" in said, said


async def _document_after_retry(sshd_server, tmp_path: Path) -> dict:
    """The JSON document of an incident whose step failed on app-1 and was retried there."""
    fleet, app = _app(sshd_server, tmp_path)
    await waves_line_after_retry(app, fleet.sandboxes["app-1"] / "broken")
    [journal] = (tmp_path / "incidents").glob("*/journal.jsonl")  # the one incident here
    exported = fleet.cli("export", str(journal), "--format", "json")
    assert exported.returncode == 0, exported.stderr
    return json.loads(exported.stdout)["document"]


async def test_the_document_timeline_names_the_retry_and_its_hosts(
    sshd_server, tmp_path: Path
) -> None:
    """Walked at 80x24 on six sshd hosts (helper-152): after t had retried the one host
    that failed, the document's timeline read 'started step “Restore previous version”'
    twice, the retry told apart from the first run on every host by nothing, nor its host."""
    rows = (await _document_after_retry(sshd_server, tmp_path))["timeline"]["rows"]
    started = [r["what"] for r in rows if r["what"].startswith("started step “Restore”")]
    assert started == [
        "started step “Restore”",
        "started step “Restore” again, attempt 2 (4 hosts: app-1, app-2, app-3 +1 more)",
    ], started


async def test_the_summary_says_a_host_failed_before_its_retry(sshd_server, tmp_path: Path) -> None:
    """Walked on six sshd hosts (helper-152): web-3 failed its first attempt and succeeded
    when retried; the summary read 'ran on 6 hosts (6 succeeded)', the failure only in the
    Failures section further down."""
    summary = (await _document_after_retry(sshd_server, tmp_path))["summary"]["paragraph"]
    said = "“Restore” failed at first on app-1 and succeeded when retried (attempt 2): see"
    assert f"{said} Failures." in summary, summary
