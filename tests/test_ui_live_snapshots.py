"""Snapshots of the live parts at 80x24 and 120x36: fixed readings, journal-only runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.model.events import Kind
from tests.test_ui_live_support import fixed_rounds
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    populated,
    until,
)

SIZES = {"80x24": (80, 24), "120x36": (120, 36)}


def _record_halt_and_assessment(conductor) -> None:
    """A halted restore in waves, an assessment and integrity records: events only."""
    record = conductor.recorder.record
    record(
        Kind.ASSESSMENT_RECORDED,
        step="assess-state",
        hosts={
            "web-1": {
                "release": "2.4.1",
                "running": "yes",
                "schema_version": "7",
                "flag.checkout_v2": "on",
            },
            "web-2": {
                "release": "2.4.1",
                "running": "yes",
                "schema_version": "7",
                "flag.checkout_v2": "on",
            },
            "web-3": {
                "release": "2.4.0",
                "running": "yes",
                "schema_version": "6",
                "flag.checkout_v2": "off",
            },
        },
        keys=["release", "running", "schema_version", "flag.checkout_v2"],
        failed=[],
    )
    for host, verdict in (("db-1", "match"), ("db-2", "mismatch")):
        record(
            Kind.INTEGRITY_RECORDED,
            system="db",
            host=host,
            step="restore",
            strategy="backup-restore",
            stage="after",
            checksum="9f2c1ab0e4d7",
            rows={"orders": 1200 if verdict == "match" else 1187},
            expected={"checksum": "9f2c1ab0e4d7", "rows": {"orders": 1200}},
            verdict=verdict,
            detail="",
        )
    record(Kind.WAVE_STARTED, step="restore", wave=1, waves=3, hosts=["web-1"])
    record(Kind.WAVE_FINISHED, step="restore", wave=1, waves=3, succeeded=1, failed=0)
    record(Kind.WAVE_STARTED, step="restore", wave=2, waves=3, hosts=["web-2"])
    record(
        Kind.RUN_HALTED,
        step="restore",
        reason="1 of 3 hosts failed, more than max_fail_percentage 30%",
        failed=1,
        total=3,
        max_fail_percentage=30,
    )
    record(Kind.WAVE_FINISHED, step="restore", wave=2, waves=3, succeeded=0, failed=1)
    record(
        Kind.HOST_NOT_STARTED,
        system="web",
        host="web-3",
        step="restore",
        reason="the run was halted",
    )


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export_child_unniced: None):
    monkeypatch.chdir(tmp_path)
    settings = demo_settings()
    engine, conductor = populated(settings, Path("incidents"))
    _record_halt_and_assessment(conductor)
    app = build_app(settings, Path("incidents"), engine)
    app.prepared = conductor  # type: ignore[attr-defined]
    return app


async def _readings(pilot: Pilot) -> None:
    await fixed_rounds(pilot.app.live.watcher, 3)
    pilot.app.live.flush()
    await pilot.pause(0.1)


async def _home(pilot: Pilot) -> None:
    await _readings(pilot)


async def _proposed(pilot: Pilot) -> None:
    await _readings(pilot)
    await pilot.press("p")
    await pilot.pause(0.1)


def _incident(name: str, *keys: str):
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        app.attach(app.prepared)
        await app.push_screen(name)
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
        await pilot.pause(0.1)

    return run_before


async def _soak(pilot: Pilot) -> None:
    """Verify stability after two rounds: web's error rate healthy, its latency still bad."""
    app = pilot.app
    record = app.prepared.recorder.record
    record(Kind.STEP_STARTED, step="verify", title="Verify system stability", attempt=1)
    probes = {
        "web/error-rate": {"value": 0.006, "state": "healthy", "threshold": "> 0.05"},
        "web/p99-latency": {"value": 1450.0, "state": "bad", "threshold": "> 1000 ms"},
    }
    for number in (1, 2):
        record(
            Kind.SOAK_PROGRESS,
            step="verify",
            attempt=1,
            healthy=0,
            needed=3,
            round=number,
            limit=6,
            status="waiting",
            detail="web/p99-latency bad",
            probes=probes,
        )
    app.attach(app.prepared)
    app.exec_step = "verify"  # as when the step was started from the checklist
    await app.push_screen("execution")
    await pilot.pause(0.1)


async def _export_json(pilot: Pilot) -> None:
    await _incident("export")(pilot)
    app = pilot.app
    screen = app.screen
    screen.query_one("#export-format").value = "json"
    # the JSON preview itself shown (not the Markdown one asked on opening), rendered by a
    # child (`export --first N`): seconds on a loaded machine, beyond until's 20 s
    await until(pilot, lambda: screen.shown is not None and screen.shown.format == "json", 120.0)
    await until(pilot, lambda: not screen.rendering, 120.0)
    await pilot.pause(0.1)


SCREENS = {
    "home-live": _home,
    "trigger-proposed": _proposed,
    "execution-halted": _incident("execution"),
    "execution-soak": _soak,
    "assessment": _incident("execution", "i"),
    "export-json": _export_json,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_live_screen(snap_compare, app, screen: str, size: str) -> None:
    assert snap_compare(app, terminal_size=SIZES[size], run_before=SCREENS[screen])
