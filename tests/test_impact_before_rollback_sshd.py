"""The document's "impact detected" is a bad probe sample from before the rollback started.
Walked at 80x24 on a README fleet of 3 sshd hosts: the probes healthy at the declaration,
the canary's restart took its service down for 20 s, the watcher journalled that sample,
and the document said 'First bad sample (impact detected)' half a minute after the
declaration, the time to mitigate and to recover measured from the rollback's own restart."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.export.document import build_document
from console.journal.store import read_journal
from console.model.clock import SystemClock
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.app import make_app
from tests import test_wave_probes_sshd as wave_probes
from tests.cli_fleet import write_fleet
from tests.fleet_settings import chown_tree
from tests.test_ui_support import (  # noqa: F401
    _ENGINES,
    ACTOR,
    _close_engines,
    _no_cursor_blink,
    open_incident,
    until,
)
from tests.test_undo_cli import PROCEDURE  # look, restore the release, document

pytestmark = pytest.mark.sshd

# The restart takes the service down (`down`) a moment; the probe reads it.
PIN = wave_probes.STRATEGIES["strategies"][0]
RESTART = "touch down && sleep 2 && echo 2.4.1 > version && rm down"
STRATEGIES = {
    "strategies": [{**PIN, "waves": {}, "commands": {**PIN["commands"], "action": RESTART}}]
}
UP = {
    "name": "up",
    "kind": "command",
    "command": "if [ -e down ]; then echo down; else echo ok; fi",
    "interval": 0.2,
}


async def test_a_bad_sample_the_rollback_caused_is_not_the_impact_detected(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["pin-release"], probes=[UP])
    for sandbox in fleet.sandboxes.values():
        (sandbox / "version").write_text("2.5.0\n")
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    settings = load_settings(fleet.config)  # real clocks: the samples' times against the step's
    engine = Engine(settings, tmp_path / "incidents", clock=SystemClock(), actor=ACTOR)
    _ENGINES.append(engine)
    app = make_app(settings, engine, SystemClock(), check_reach=False)
    async with app.run_test(size=(80, 24)) as pilot:
        reading = app.live.watcher.readings["app/up"]
        await until(pilot, lambda: len(reading.history) >= 2, 60)
        await open_incident(pilot)
        conductor = app.conductor
        assert await conductor.run_step("restore", confirmed="a person")
        journal = conductor.recorder.path

        def journalled_bad() -> bool:
            samples = [e.data for e in read_journal(journal).events if e.kind == Kind.PROBE_SAMPLE]
            return any(s.state == "bad" for s in samples)

        assert journalled_bad(), "the watcher journals the restart's bad sample"
    events = read_journal(journal).events
    samples = [e.data for e in events if e.kind == Kind.PROBE_SAMPLE]
    bad = [datetime.fromisoformat(s.at) for s in samples if s.state == "bad"]
    started = next(
        e.ts for e in events if e.kind == Kind.STEP_STARTED and e.where.step == "restore"
    )
    assert bad and all(at > started for at in bad), (bad, started)  # the restart's, alone
    facts = build_document(events)
    detected = next(m for m in facts.milestones.milestones if m.name == "impact_detected")
    assert detected.at is None, detected
    assert detected.source == "no bad probe sample before the rollback started"
    assert facts.impact.first_bad_sample is None
    mitigate = next(i for i in facts.milestones.intervals if i.name == "time_to_mitigate")
    assert mitigate.start == "trigger_declared"
