"""The document of an incident walked in the console and of the same incident run headless
say the same: only who, when and the incident's id may differ."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from console.demo.fleet import DemoFleet
from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.events import Kind
from console.ui.app import make_app
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.close import CloseDialog
from console.ui.screens.form import FormScreen
from console.ui.screens.picker import PickerScreen
from console.ui.screens.trigger import TriggerScreen
from tests.test_ui_support import (  # noqa: F401
    ENDED,
    INCIDENT_ID,
    _close_engines,
    _no_cursor_blink,
    build_engine,
    demo_settings,
    do_current_step,
    type_text,
    until,
)

REASON = "checkout errors for 30% of users"


async def interactive(root: Path, downs: int) -> Path:
    async with DemoFleet(demo_settings()) as fleet:
        engine = build_engine(fleet.settings, root)
        # The home screen reads the probes, on the incident's clock (the screen's own
        # never moves, and would date them after the rollback).
        app = make_app(
            fleet.settings, engine, engine.clock, incident_id=INCIDENT_ID, sample_probes=True
        )
        async with app.run_test(size=(80, 24)) as pilot:
            # The home screen has read web's probes, as a person declaring sees them.
            web = [r for r in app.live.watcher.readings.values() if r.system == "web"]
            await until(pilot, lambda: all(r.history for r in web), 60)
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            await pilot.press(*["down"] * downs, "enter")  # from Stakeholder decision
            await type_text(pilot, REASON)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("space", "enter")  # the whole `web` system
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            conductor = app.conductor
            while (step := conductor.current()) is not None and step.kind.value != "form":
                await do_current_step(pilot)
            await pilot.press("f2")
            await pilot.pause(0.1)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            await type_text(pilot, REASON)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: conductor.state.step("document-reason").status in ENDED)
            await pilot.press("f7")  # closed as the headless run closes: rolled back
            await until(pilot, lambda: isinstance(app.screen, CloseDialog))
            await pilot.press("enter")
            await until(pilot, lambda: conductor.state.closed)
    return root / INCIDENT_ID / "journal.jsonl"


def headless(root: Path, trigger: str) -> Path:
    incident = root / "headless"
    args = [
        sys.executable, "-m", "console", "run", "--demo", "--yes", "--quiet",
        "--systems", "web", "--strategy", "version-rollback", "--trigger", trigger,
        "--reason", REASON, "--journal", str(incident),
    ]  # fmt: skip
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(root)}
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return incident / "journal.jsonl"


# Who and when differ between the two (and so which hosts share a release's deployed_at
# second).
CLOSE = re.compile(r"^\| deployed_at \|")
APPENDIX = "## Appendix: every event"


def normalised(journal: Path) -> list[str]:
    events = read_journal(journal).events
    # The demo's probes read web bad until its rollback: a trigger may fire again after the
    # declaration, sooner or later as the machine is busy (seen in the console's walk
    # alone, on a fresh clone's full run). Whether it does is timing, as WHEN and TOOK are.
    declared = next(e.seq for e in events if e.kind == Kind.TRIGGER_DECLARED)
    events = [e for e in events if not (e.kind == Kind.TRIGGER_FIRED and e.seq > declared)]
    text = EXPORT_FORMATS["markdown"].render(events, False)
    user = events[0].who.user
    text = re.sub(rf"(?<=\| ){re.escape(user)}(?= \|)|\bby {re.escape(user)}\b", "WHO", text)
    text = text.replace("by --yes (headless)", "WHO")
    # how the console's yes was given (headless: --yes): what it showed first
    text = re.sub(r"WHO \(command and \d+ host\(s\) shown\)", "WHO", text)
    text = re.sub(rf"\bcommander {re.escape(user)}\b", "commander WHO", text)
    text = re.sub(r"\b\d{8}-\d{6}-[0-9a-z]{4}\b", "ID", text)
    text = re.sub(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?Z?( UTC)?", "WHEN", text)
    text = re.sub(r"\b(\d+ min )?\d+(\.\d+)? s\b", "TOOK", text)
    # The console read the probes before the declaration, a headless run once it opens:
    # detection is the first bad sample in one, the declaration in the other.
    detected = r"(?m)^(\| Time to .*)(first bad sample \(impact detected\)|trigger declared)"
    text = re.sub(detected, r"\1DETECTED", text)
    body, appendix = text.split(APPENDIX)
    lines = [ln for ln in body.splitlines() if not CLOSE.search(ln)]
    # Hosts answer in their own order: the appendix's per-host rows, as a set.
    return [*lines, *sorted(ln for ln in appendix.splitlines() if not CLOSE.search(ln))]


@pytest.mark.parametrize(
    ("trigger", "downs", "title", "said"),
    [
        ("user-impact", 1, "User impact assessment", "manual"),
        ("data-corruption", 7, "Data corruption identified", "declared by hand"),
    ],
)
async def test_the_console_and_a_headless_run_give_the_same_document(
    tmp_path: Path, trigger: str, downs: int, title: str, said: str
) -> None:
    """An automatic kind too, declared by hand (no probe's evidence) in either."""
    console = normalised(await interactive(tmp_path / "console", downs))
    run = normalised(headless(tmp_path / "headless", trigger))
    assert f"| Title | {title}: checkout errors for 30% of users |" in run
    assert f"- **Trigger:** {title} (`{trigger}`, {said})" in run
    assert "1. **Open the incident bridge and name the commander** — done: confirmed WHO" in run
    assert "\n".join(console) == "\n".join(run)
