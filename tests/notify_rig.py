"""The notification tests' rig: the demo configuration with channels of one's own on its
communicate step, an incident on it with a fixed clock, and everything it recorded."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.journal.export import EXPORT_FORMATS
from console.journal.files import JOURNAL_NAME
from console.journal.recorder import Recorder
from console.journal.redact import settings_redactor
from console.journal.store import read_journal
from console.journal.terminal_line import console_line
from console.journal.writer import JournalWriter
from console.model.clock import FixedClock
from console.model.loading import load_settings
from console.model.outcome import Outcome
from console.model.settings import Settings
from console.model.triggers import TriggerKind
from console.paths import demo_config
from tests.events_factory import COMMANDER, START

SLACK_SECRET = "/services/T0001/B0002/XXXXsecretXXXX"

PD_KEY = "R0UT1NGK3Y0123456789abcdef012345"

TOKEN = "Bearer s3cr3t-t0ken"


def settings_with(channels: list[dict], **communicate) -> Settings:
    """The demo configuration, its communicate step sending on `channels` only."""
    data = load_settings(demo_config()).dumped(mode="json")
    data["procedure"]["channels"] = channels
    for phase in data["procedure"]["phases"]:
        for step in phase["steps"]:
            if step["id"] == "communicate":
                step.update({"command": None, "channels": [c["name"] for c in channels]})
                step.update(communicate)
    return Settings.validated(data)


def conductor_for(
    settings: Settings, tmp_path: Path, drill: bool = False, declared: bool = True
) -> Conductor:
    writer = JournalWriter(tmp_path / "incident" / JOURNAL_NAME)
    recorder = Recorder(writer, FixedClock(START), COMMANDER, settings_redactor(settings))
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh))
    conductor.open_incident("checkout <!channel> & errors", "inc-notify", drill=drill)
    if declared:
        declare(conductor)
    return conductor


def declare(conductor: Conductor) -> None:
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "customers cannot pay")
    conductor.select(["web"])


async def finish(conductor: Conductor, outcome: str | None = "resolved") -> None:
    """Close as something that resolves the page (nothing was rolled back here, so not
    "rolled back and verified": the close refuses what the record does not show), or as
    `failed`, which leaves it open."""
    if outcome == "resolved":
        conductor.close(Outcome.NOT_NEEDED, "a test: nothing to roll back")
    elif outcome:
        conductor.close(Outcome(outcome), "a test")
    await conductor.shutdown()
    conductor.recorder.close()


# What every channel sent an update hears at `finish`'s close.
CLOSED = "inc-notify closed: not needed (false alarm): a test: nothing to roll back"


def records(conductor: Conductor) -> str:
    """Everything written about the incident: journal, exports, console lines."""
    path = conductor.recorder.path
    events = read_journal(path).events
    exports = [f.render(events, False) for f in EXPORT_FORMATS.values()]
    return "\n".join([path.read_text(), *exports, *map(console_line, events)])


async def closed_while_limited(
    channel: dict, tmp_path: Path, limited: threading.Event
) -> Conductor:
    """An incident whose status update repeats every 0.12 s on `channel`, closed once the
    channel has rate-limited one (`limited`), its conductor shut down."""
    conductor = conductor_for(settings_with([channel], every=0.002), tmp_path)
    assert await conductor.run_step("communicate")
    assert await asyncio.to_thread(limited.wait, 20)
    conductor.close(Outcome.NOT_NEEDED, "a test: nothing to roll back")
    await conductor.shutdown()
    conductor.recorder.close()
    return conductor
