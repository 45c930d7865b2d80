"""The rollback document of a gradual re-enable that failed on one host of three, on a
real OpenSSH fleet, exported by `rollback-console export`: the two hosts that passed the
failed stage are held at 25 % (the console's `◐ held`), and every place that counts the
step's hosts says so; none of them calls the held hosts succeeded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.model.triggers import TriggerKind
from tests.events_factory import recorder_in
from tests.fleet_settings import sshd_settings
from tests.test_strategies_sshd import Rig, healed_checkout, stop

pytestmark = pytest.mark.sshd

HELD = "held at 25 % (stage 2 of 4): stage 2 failed on h3"
# h3's why, in its own words (it read 'h3: non-zero exit')
ROW = (
    "3 hosts sent → 2 held at 25 %, 1 failed (h3: at check 25%, exit status 1: error rate"
    " above 0.05)"
)
SUMMARY = "1 failed, 2 held at 25 %"


@pytest.fixture
async def journal(sshd_server, tmp_path: Path) -> Path:
    """h1 and h2 pass stage 2 (25 %), h3's check fails there: the step failed."""
    settings, sandboxes = sshd_settings(sshd_server, {"h1": "web", "h2": "web", "h3": "web"})
    healed_checkout(sandboxes["h1"])
    healed_checkout(sandboxes["h2"])
    flags = sandboxes["h3"] / "etc/flags"  # its bad path is still live
    flags.write_text(flags.read_text().replace("new_checkout=100", "new_checkout=0"))
    recorder = recorder_in(tmp_path / "incident")
    rig = Rig(Conductor(settings, recorder, SshPool(settings.inventory.ssh)), sandboxes["h1"])
    rig.conductor.open_incident("failed re-enable", "inc-held")
    rig.conductor.declare_trigger(TriggerKind.USER_IMPACT, "the fix is live: turn it on")
    rig.conductor.select(["web"])
    rig.conductor.choose_strategy("feature-reenable", {})
    try:
        assert not await rig.conductor.run_step("restore")
    finally:
        await stop(rig)
    return recorder.path


def export(journal: Path, fmt: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "console", "export", str(journal), "--format", fmt],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_markdown_says_the_hosts_are_held_at_25_percent(journal: Path) -> None:
    document = export(journal, "markdown")
    assert "The feature-reenable strategy ran on 3 hosts (1 failed, 2 held at 25 %)." in document
    assert f"| h1 | ◐ held | {HELD} | Restore previous version |" in document
    assert f"| h2 | ◐ held | {HELD} | Restore previous version |" in document
    assert f"1. **Restore previous version** — failed: {SUMMARY}\n" in document
    finished = [line for line in document.splitlines() if "finished step" in line]
    assert f"finished step “Restore previous version”: failed — {ROW} in " in finished[0]
    assert f"finished step “Restore previous version”: failed ({SUMMARY})" in finished[1]
    assert not [line for line in finished if "succeeded" in line], finished


def test_json_says_the_hosts_are_held_at_25_percent(journal: Path) -> None:
    exported = json.loads(export(journal, "json"))
    document = exported["document"]
    assert [s["summary"] for s in document["steps"] if s["summary"]] == [SUMMARY]
    (row,) = [r["what"] for r in document["timeline"]["rows"] if "finished step" in r["what"]]
    assert row.startswith(f"finished step “Restore previous version”: failed — {ROW} in "), row
    held = {h: (r["status"], r["detail"]) for h, r in exported["hosts"].items()}
    assert held == {
        "h1": ("held", HELD),
        "h2": ("held", HELD),
        "h3": ("failed", "exit status 1"),
    }
    assert "(1 failed, 2 held at 25 %)" in document["summary"]["paragraph"]
